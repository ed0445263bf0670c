/**
 * Verified JWT claims → the identity the upstream is told about. The subject, groups and
 * scopes are checked here, once per verification (before the identity enters the
 * verified-token cache, so cache hits cost nothing): a value the upstream could read
 * differently from what Gatehouse authorized makes the token `invalid_token`.
 *
 * - subject: a non-empty string without control characters, surrounding whitespace or
 *   lone UTF-16 surrogates. `""`, `0`, `null`, `{}`, `true` or a missing claim would
 *   otherwise reach the upstream as "no X-Auth-Subject", indistinguishable from anonymous.
 * - each group and scope: no control characters, no surrounding whitespace, no lone
 *   surrogates (`"admins "` and `"admins\u0000"` must not become `admins`). A value
 *   containing the list separator is allowed: X-Auth-Groups/-Scopes percent-encode it
 *   (src/pipeline/identity-headers.ts), so the upstream gets back exactly the list.
 */
import type { JWTPayload } from 'jose';
import { groupsFromClaim } from '../authorizers/groups.js';
import { scopesFromClaim } from '../authorizers/scopes.js';
import type { Identity } from '../types.js';
import type { ProviderConfig } from '../../config/schema-auth.js';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f-\x9f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Printable ASCII without space: the usual subject, group and scope, clean by construction. */
function isPrintableAsciiWord(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** True for a value that can be forwarded as itself: no control characters, no surrounding whitespace. */
export function isCleanIdentityValue(value: string): boolean {
  if (isPrintableAsciiWord(value)) return true; // the common case, without a regex or a trimmed copy
  return value.trim() === value && !CONTROL_CHARACTERS.test(value) && !LONE_SURROGATE.test(value);
}

export type ClaimIdentity =
  | { readonly ok: true; readonly identity: Identity }
  | {
      readonly ok: false;
      readonly reason: 'invalid_subject' | 'invalid_groups' | 'invalid_scopes';
      readonly description: string;
    };

const INVALID_SUBJECT: ClaimIdentity = Object.freeze({
  ok: false,
  reason: 'invalid_subject',
  description:
    'The token has no usable subject: the subject claim must be a non-empty string without control characters or surrounding whitespace.',
});
const INVALID_GROUPS: ClaimIdentity = Object.freeze({
  ok: false,
  reason: 'invalid_groups',
  description: 'A group in the token has control characters or surrounding whitespace.',
});
const INVALID_SCOPES: ClaimIdentity = Object.freeze({
  ok: false,
  reason: 'invalid_scopes',
  description: 'A scope in the token has control characters or surrounding whitespace.',
});

function allClean(values: readonly string[]): boolean {
  for (const value of values) if (!isCleanIdentityValue(value)) return false;
  return true;
}

/** Maps verified claims to an identity using the provider's claim names, or says why it cannot. */
/**
 * Whether a verified token's scopes restrict it on the control plane (Identity.restrictedToScopes).
 * A provider's token is restricted to its `scope`/`scp` claim; a Gatehouse JWT is a login
 * session of its user (password or refresh grant) and acts with the user's full rights.
 */
const RESTRICTED_TO_SCOPES: Readonly<Record<'jwt' | 'gatehouse', boolean>> = { jwt: true, gatehouse: false };

export function identityFromClaims(
  claims: Readonly<JWTPayload>,
  provider: ProviderConfig,
  method: 'jwt' | 'gatehouse',
  expiresAt: number,
): ClaimIdentity {
  const names = provider.claims;
  const subject = claims[names.subject];
  if (typeof subject !== 'string' || subject === '' || !isCleanIdentityValue(subject)) return INVALID_SUBJECT;
  const groups = groupsFromClaim(claims[names.groups]) ?? [];
  if (!allClean(groups)) return INVALID_GROUPS;
  let scopes: string[] = [];
  for (const name of names.scopes) {
    const found = scopesFromClaim(claims[name]);
    if (found) {
      scopes = found;
      break;
    }
  }
  if (!allClean(scopes)) return INVALID_SCOPES;
  const identity: { -readonly [K in keyof Identity]: Identity[K] } = {
    subject,
    method,
    provider: provider.id,
    credentialId: typeof claims.jti === 'string' ? claims.jti : '',
    groups: new Set(groups),
    scopes: new Set(scopes),
    restrictedToScopes: RESTRICTED_TO_SCOPES[method],
    expiresAt,
    claims,
  };
  if (typeof claims.iat === 'number') identity.issuedAt = claims.iat * 1000;
  return { ok: true, identity: Object.freeze(identity) };
}
