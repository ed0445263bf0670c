/**
 * Checks on the protected header made before any key is looked up: the algorithm is the
 * provider's choice, never the token's; the token may not tell us where its key is.
 *
 * Decision: a header carrying `jku`, `x5u`, `jwk` or `x5c` is REJECTED
 * (`header_key_reference`), not merely ignored. These parameters are never followed or
 * used either way; rejecting makes a token that tries key injection visible in metrics
 * and logs, and no issuer we accept needs them (keys come from config or the provider's
 * own JWKS). `crit` listing any extension is rejected (`crit_unsupported`): Gatehouse
 * understands none (jose would accept `b64`, which has no place in a JWT).
 */
import type { JwsAlgorithm } from './algorithms.js';
import { reject } from './rejections.js';
import type { JwtRejection } from './types.js';

export const KEY_REFERENCE_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

export type HeaderCheck =
  | { readonly ok: true; readonly alg: JwsAlgorithm; readonly kid: string | undefined }
  | { readonly ok: false; readonly rejection: JwtRejection };

const fail = (rejection: JwtRejection): HeaderCheck => ({ ok: false, rejection });

export function checkHeader(
  header: Readonly<Record<string, unknown>>,
  allowed: ReadonlySet<JwsAlgorithm>,
): HeaderCheck {
  const { alg, kid, crit } = header;
  if (typeof alg !== 'string' || alg === '') return fail(reject('malformed', 'token header has no alg'));
  if (!(allowed as ReadonlySet<string>).has(alg))
    return fail(
      reject('alg_not_allowed', `signing algorithm not accepted (accepted: ${[...allowed].join(', ')})`),
    );
  if (KEY_REFERENCE_HEADERS.some((name) => Object.hasOwn(header, name)))
    return fail(
      reject(
        'header_key_reference',
        'key references in the token header (jku, x5u, jwk, x5c) are not accepted',
      ),
    );
  if (crit !== undefined)
    return fail(reject('crit_unsupported', 'token uses a critical header extension that is not supported'));
  if (kid !== undefined && (typeof kid !== 'string' || kid === ''))
    return fail(reject('malformed', 'token header kid is not a non-empty string'));
  return { ok: true, alg: alg as JwsAlgorithm, kid };
}
