/**
 * When a JWKS is considered fresh, when to refresh it, and how fast to retry after a
 * failure. Pure functions of the configured tuning (all in ms).
 */
export interface JwksTiming {
  readonly cacheMaxAgeMs: number;
  readonly minRefreshMs: number;
  /** First retry delay after a failure; doubles per consecutive failure up to minRefreshMs. */
  readonly retryBaseMs: number;
}

/** Background refresh at this fraction of the max age. */
export const REFRESH_AT = 0.8;

/** The server's Cache-Control max-age when shorter than the configured one, never below minRefresh. */
export function effectiveMaxAgeMs(advertisedSec: number | undefined, t: JwksTiming): number {
  const floor = Math.min(t.minRefreshMs, t.cacheMaxAgeMs);
  const advertised = advertisedSec === undefined ? t.cacheMaxAgeMs : advertisedSec * 1000;
  return Math.min(t.cacheMaxAgeMs, Math.max(floor, advertised));
}

/** After a success: refresh at 80 % of the max age, but not sooner than minRefresh (within the max age). */
export function refreshDelayMs(maxAgeMs: number, t: JwksTiming): number {
  return Math.max(maxAgeMs * REFRESH_AT, Math.min(t.minRefreshMs, maxAgeMs));
}

/** After `failures` consecutive failures (≥ 1): base, doubling, capped at minRefresh. */
export function retryDelayMs(failures: number, t: JwksTiming): number {
  return Math.min(t.minRefreshMs, t.retryBaseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 20));
}
