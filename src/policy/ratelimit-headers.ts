/**
 * The IETF httpapi RateLimit headers (draft-ietf-httpapi-ratelimit-headers): one item
 * per limit that applied, named after the limit.
 *
 *   RateLimit-Policy: "apiKey";q=100;w=1      q requests per w seconds (the steady rate)
 *   RateLimit: "apiKey";r=57;t=1              r requests left now; t seconds until the
 *                                             bucket is full again (refused: until one fits)
 *
 * The 429 answer also carries `Retry-After` (seconds, rounded up).
 */
import type { GcraOutcome } from './gcra.js';
import type { LimitHit } from './limit-keys.js';

export interface RateLimitHeaders {
  readonly policy: string;
  readonly state: string;
  /** Seconds to wait when refused, else 0. */
  readonly retryAfterSec: number;
  /** Names of the limits that refused. */
  readonly refusedBy: readonly string[];
}

export function renderRateLimit(hits: readonly LimitHit[], outcome: GcraOutcome): RateLimitHeaders {
  const policy: string[] = [];
  const state: string[] = [];
  const refusedBy: string[] = [];
  let retryAfterMs = 0;
  for (let i = 0; i < hits.length; i++) {
    const { spec, rate } = hits[i] as LimitHit;
    const value = outcome[i] ?? 0;
    policy.push(`"${spec.name}";q=${rate.count};w=${rate.periodSec}`);
    if (value < 0) {
      refusedBy.push(spec.name);
      retryAfterMs = Math.max(retryAfterMs, -value);
      state.push(`"${spec.name}";r=0;t=${Math.max(1, Math.ceil(-value / 1000))}`);
    } else {
      const left = Math.max(0, Math.floor((rate.burst * rate.intervalMs - value) / rate.intervalMs));
      state.push(`"${spec.name}";r=${left};t=${Math.ceil(value / 1000)}`);
    }
  }
  return {
    policy: policy.join(', '),
    state: state.join(', '),
    retryAfterSec: refusedBy.length > 0 ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : 0,
    refusedBy,
  };
}
