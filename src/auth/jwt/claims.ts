/**
 * Claim rules jose does not cover, applied after jose's checks (signature, typ, iss, aud,
 * nbf, exp, maxTokenAge, required claims):
 * - NumericDate claims must be finite and within years 1970..9999 (JSON's `1e400` parses
 *   as Infinity and would otherwise mean "never expires");
 * - `iat` after now + tolerance → issued_in_future (jose checks it only with maxTokenAge);
 * - `iat` after `exp` cannot be honest → malformed;
 * - `exp - iat` over maxLifetimeSec → lifetime_too_long.
 * A very old `iat` (1970) is refused by maxTokenAgeSec or maxLifetimeSec when configured;
 * without either, the issuer's `exp` alone decides.
 */
import type { JWTPayload } from 'jose';
import { formatNumericDate, reject } from './rejections.js';
import type { JwtRejection } from './types.js';

/** 9999-12-31T23:59:59Z. */
export const MAX_NUMERIC_DATE = 253_402_300_799;

export interface ExtraClaimRules {
  readonly clockToleranceSec: number;
  readonly maxLifetimeSec: number | undefined;
}

const isNumericDate = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_NUMERIC_DATE;

/** Returns the rejection, or undefined when the claims pass. `nowSec` from the injected clock. */
export function checkExtraClaims(
  claims: JWTPayload,
  rules: ExtraClaimRules,
  nowSec: number,
): JwtRejection | undefined {
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[name];
    if (value !== undefined && !isNumericDate(value))
      return reject('malformed', `claim ${name} is not a valid time`);
  }
  const { exp, iat } = claims;
  if (iat === undefined) return undefined;
  if (iat > nowSec + rules.clockToleranceSec)
    return reject('issued_in_future', `token issued in the future (${formatNumericDate(iat)})`);
  if (exp !== undefined && iat > exp) return reject('malformed', 'token issued after it expires');
  if (rules.maxLifetimeSec !== undefined && exp !== undefined && exp - iat > rules.maxLifetimeSec)
    return reject(
      'lifetime_too_long',
      `token lifetime ${Math.round(exp - iat)}s exceeds ${rules.maxLifetimeSec}s`,
    );
  return undefined;
}
