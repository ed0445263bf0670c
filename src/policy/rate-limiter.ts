/**
 * Decides a request's rate-limit hits: in Redis (shared by every replica, one round
 * trip) when the store is Redis, in process otherwise. When Redis cannot answer, the
 * limits fall back to this replica's own GCRA (`onStoreError: allow`, the default:
 * during the outage each replica enforces the limit alone, so the fleet admits up to
 * replicas × limit) or the request is refused with 503 (`deny`, if any hit says so).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import { LocalGcra, type GcraOutcome } from './gcra.js';
import type { LimitHit } from './limit-keys.js';
import type { PolicyScriptRunner } from './redis-gcra.js';
import { sharedGcra } from './redis-gcra.js';

export type LimitVerdict =
  { readonly kind: 'decided'; readonly outcome: GcraOutcome } | { readonly kind: 'unavailable' };

export class RateLimiter {
  /** Created on first use: lru-cache allocates its index for every possible key up front. */
  private localGcra: LocalGcra | undefined;
  private lastWarning = 0;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly shared: PolicyScriptRunner | undefined,
  ) {}

  private get local(): LocalGcra {
    return (this.localGcra ??= new LocalGcra());
  }

  get isShared(): boolean {
    return this.shared !== undefined;
  }

  /** Synchronous without Redis; one round trip with it. */
  check(hits: readonly LimitHit[]): LimitVerdict | Promise<LimitVerdict> {
    if (!this.shared) return { kind: 'decided', outcome: this.local.check(hits, this.clock.now()) };
    return sharedGcra(this.shared, hits).then(
      (outcome): LimitVerdict => ({ kind: 'decided', outcome }),
      (err: unknown): LimitVerdict => this.fallback(hits, err),
    );
  }

  private fallback(hits: readonly LimitHit[], err: unknown): LimitVerdict {
    const now = this.clock.now();
    if (now - this.lastWarning > 10_000) {
      this.lastWarning = now;
      this.logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        "rate limits cannot reach Redis; applying each limit's onStoreError",
      );
    }
    if (hits.some((h) => h.spec.onStoreError === 'deny')) return { kind: 'unavailable' };
    return { kind: 'decided', outcome: this.local.check(hits, now) };
  }
}
