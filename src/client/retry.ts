/**
 * When to try a request again and how long to wait: exponential backoff with full
 * jitter on connection failures, 502/503/504 and 429, honouring `Retry-After`, within
 * one total deadline. Only idempotent methods are retried unless the caller says the
 * request is safe to repeat (the SDK's own token calls are: see token-api.ts).
 */

export interface RetryOptions {
  /** Further attempts after the first (default 3). */
  readonly retries?: number;
  /** Backoff base, doubled per attempt (default 200 ms). */
  readonly baseDelayMs?: number;
  /** Longest single wait (default 5 s). */
  readonly maxDelayMs?: number;
  /** Every attempt and wait of one request, until its answer's headers (default 30 s). */
  readonly deadlineMs?: number;
}

export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  deadlineMs: 30_000,
};

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY, ...options };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/**
 * The wait before attempt `attempt + 1` (0-based `attempt` just failed): a random delay
 * up to base·2^attempt (capped), never shorter than the server's Retry-After. A
 * `Retry-After: 0` therefore still backs off: a busy server is not hammered in a loop.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterSec: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.floor(random() * ceiling);
  return retryAfterSec === undefined ? jittered : Math.max(retryAfterSec * 1000, jittered);
}
