/**
 * Rejection values and their caller-facing descriptions. Descriptions name the rule that failed with values the caller or
 * the config already knows (times, configured limits); they never echo token content
 * (an attacker-chosen `kid` or `alg` could carry header-injection characters), secrets
 * or key material.
 */
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
