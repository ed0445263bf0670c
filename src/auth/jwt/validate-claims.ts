/**
 * The standard claim checks of RFC 7519 section 4.1 with the provider's settings, in the
 * order jose applies them (so a token failing several rules gets the same reason):
 * `typ` header, presence of required claims (and of iat/aud/iss when configured), iss,
 * aud (any-of), then nbf, exp and maximum age against the injected clock with the
 * clock tolerance. checkExtraClaims (claims.ts) adds the rules jose does not have.
 */
import type { JWTPayload } from 'jose';
import { formatNumericDate, reject } from './rejections.js';
import type { JwtRejection } from './types.js';

export interface ClaimRules {
  readonly issuer: string | undefined;
  readonly audiences: readonly string[];
  readonly clockToleranceSec: number;
  readonly maxTokenAgeSec: number | undefined;
  /** `exp` plus the configured required claims (and `iat` when a lifetime limit is set). */
  readonly requiredClaims: readonly string[];
  readonly tokenType: string | undefined;
}

/** RFC 8725 3.11: `at+jwt` and `application/at+jwt` name the same type. */
export function normalizeTyp(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

const presenceOrders = new WeakMap<ClaimRules, readonly string[]>();

/** The claims that must be present, in the order jose checks them; computed once per rules object. */
function presenceOrder(rules: ClaimRules): readonly string[] {
  let order = presenceOrders.get(rules);
  if (!order) {
    const presence = [...rules.requiredClaims];
    if (rules.maxTokenAgeSec !== undefined) presence.push('iat');
    presence.push('aud');
    if (rules.issuer !== undefined) presence.push('iss');
    order = [...new Set(presence.reverse())];
    presenceOrders.set(rules, order);
  }
  return order;
}

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  if (Array.isArray(aud)) return accepted.some((a) => aud.includes(a));
  return false;
}

function numericDate(payload: JWTPayload, claim: 'exp' | 'nbf' | 'iat'): number | JwtRejection | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : reject('malformed', `claim ${claim} has the wrong type`);
}

export function validateClaims(
  header: Readonly<Record<string, unknown>>,
  payload: JWTPayload,
  rules: ClaimRules,
  expectedTyp: string | undefined,
  nowSec: number,
): JwtRejection | undefined {
  if (
    expectedTyp !== undefined &&
    (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== expectedTyp)
  )
    return reject(
      'wrong_type',
      `token type (typ header) must be ${rules.tokenType ?? 'the configured type'}`,
    );
  for (const claim of presenceOrder(rules))
    if (!Object.hasOwn(payload, claim)) return reject('missing_claim', `required claim ${claim} is missing`);
  if (rules.issuer !== undefined && payload.iss !== rules.issuer)
    return reject('wrong_issuer', 'issuer not accepted');
  if (!audienceMatches(payload.aud, rules.audiences))
    return reject('wrong_audience', 'audience not accepted');

  const tolerance = rules.clockToleranceSec;
  const iat = numericDate(payload, 'iat');
  if (typeof iat === 'object') return iat;
  const nbf = numericDate(payload, 'nbf');
  if (typeof nbf === 'object') return nbf;
  if (nbf !== undefined && nbf > nowSec + tolerance)
    return reject('not_yet_valid', `token not valid before ${formatNumericDate(nbf)}`);
  const exp = numericDate(payload, 'exp');
  if (typeof exp === 'object') return exp;
  if (exp !== undefined && exp <= nowSec - tolerance)
    return reject('expired', `token expired at ${formatNumericDate(exp)}`);
  if (rules.maxTokenAgeSec !== undefined && iat !== undefined) {
    const age = nowSec - iat;
    if (age - tolerance > rules.maxTokenAgeSec)
      return reject(
        'too_old',
        `token issued at ${formatNumericDate(iat)}, older than ${rules.maxTokenAgeSec}s`,
      );
    if (age < -tolerance)
      return reject('issued_in_future', `token issued in the future (${formatNumericDate(iat)})`);
  }
  return undefined;
}
