import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are stored as `sha256:<hex>` of the key. A fast hash is the right tool here
 * because every key Gatehouse generates carries 256 random bits: there is nothing to
 * brute-force, and the lookup stays O(1) and cheap on the hot path. (Passwords, which
 * people choose, use scrypt instead.)
 */
export const API_KEY_HASH_PREFIX = 'sha256:';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function hashApiKey(key: string): string {
  return API_KEY_HASH_PREFIX + sha256Hex(key);
}

/** Prefixes make leaked secrets recognisable to secret scanners and to people. */
export const SECRET_PREFIXES = {
  apiKey: 'ghk_',
  adminKey: 'gha_',
  personalToken: 'ghp_',
  refreshToken: 'ghr_',
} as const;

/** A new random secret: prefix + 43 base64url characters (256 bits). */
export function generateSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}
