/**
 * Rejection values and their caller-facing descriptions, and the mapping of jose's
 * errors onto reasons. Descriptions name the rule that failed with values the caller or
 * the config already knows (times, configured limits); they never echo token content
 * (an attacker-chosen `kid` or `alg` could carry header-injection characters), secrets
 * or key material.
 */
import { errors } from 'jose';
import type { JwtRejectReason, JwtRejection } from './types.js';

/** Characters RFC 6750 allows in error_description; anything else becomes "?". */
const UNSAFE_DESCRIPTION_CHARS = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

export function reject(reason: JwtRejectReason, description: string): JwtRejection {
  return {
    ok: false,
    unavailable: false,
    reason,
    description: description.replace(UNSAFE_DESCRIPTION_CHARS, '?'),
  };
}

/** A NumericDate as ISO 8601 UTC without milliseconds, or a neutral phrase when absurd. */
export function formatNumericDate(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || Math.abs(seconds) > 8.64e12)
    return 'an invalid time';
  return new Date(Math.floor(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface ClaimContext {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly maxTokenAgeSec: number | undefined;
  readonly tokenType: string | undefined;
}

/**
 * jose's error → rejection; `undefined` for a signature mismatch (the caller may try the
 * next candidate key). Anything unexpected counts as a bad signature.
 */
export function rejectionFromJose(error: unknown, ctx: ClaimContext): JwtRejection | undefined {
  if (error instanceof errors.JWSSignatureVerificationFailed) return undefined;
  if (error instanceof errors.JWTExpired) {
    if (error.claim === 'iat')
      return reject(
        'too_old',
        `token issued at ${formatNumericDate(ctx.payload.iat)}, older than ${ctx.maxTokenAgeSec}s`,
      );
    return reject('expired', `token expired at ${formatNumericDate(ctx.payload.exp)}`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) return claimRejection(error, ctx);
  if (error instanceof errors.JOSEAlgNotAllowed)
    return reject('alg_not_allowed', 'signing algorithm not accepted');
  if (error instanceof errors.JOSENotSupported)
    return reject('crit_unsupported', 'token uses a critical header extension that is not supported');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return reject('malformed', 'token is not a well-formed JWT');
  return reject('bad_signature', 'token signature could not be verified');
}

function claimRejection(
  error: InstanceType<typeof errors.JWTClaimValidationFailed>,
  ctx: ClaimContext,
): JwtRejection {
  const { claim, reason } = error;
  if (reason === 'missing') return reject('missing_claim', `required claim ${claim} is missing`);
  if (reason === 'invalid') return reject('malformed', `claim ${claim} has the wrong type`);
  switch (claim) {
    case 'typ':
      return reject(
        'wrong_type',
        `token type (typ header) must be ${ctx.tokenType ?? 'the configured type'}`,
      );
    case 'iss':
      return reject('wrong_issuer', 'issuer not accepted');
    case 'aud':
      return reject('wrong_audience', 'audience not accepted');
    case 'nbf':
      return reject('not_yet_valid', `token not valid before ${formatNumericDate(ctx.payload.nbf)}`);
    case 'iat':
      return reject('issued_in_future', `token issued in the future (${formatNumericDate(ctx.payload.iat)})`);
    default:
      return reject('malformed', `claim ${claim} is not acceptable`);
  }
}
