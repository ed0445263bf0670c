/**
 * Failed-credential throttling: credentials refused with 401 are counted per client
 * address, an IPv6 address's /64 standing for all of it (address-prefix.ts; fixed window): in Redis with the Redis store (`store.increment`, shared by
 * every replica), in memory otherwise (a SQLite write per 401 would let a flood of bad
 * credentials turn into a flood of synchronous disk writes). Above `slowAfter` refusals in a window each further 401 is delayed (by
 * `delayStepMs` per refusal, at most 2 s); at `maxFailures` the address is refused with
 * 429 for `cooldownSec`, before any credential is looked at. Successful requests are not
 * counted and cost nothing: the check is one in-process map lookup.
 *
 * Across replicas: the count is shared, the block is learnt by each replica from its own
 * increment, so an address gets at most `maxFailures + replicas - 1` refused attempts per
 * window before every replica refuses it. While Redis cannot answer, each replica counts
 * in memory instead: an outage must not lift the throttle.
 */
import { LRUCache } from 'lru-cache';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { FailedCredentialsConfig } from '../config/schema-policy.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { CounterState, Store } from '../store/types.js';
import { networkOf } from './address-prefix.js';

type Counter = (key: string, windowMs: number) => Promise<CounterState>;

/** A fixed-window counter in this process, bounded (an evicted address starts afresh). */
function localCounter(clock: Clock): Counter {
  let windows: LRUCache<string, { count: number; resetAt: number }> | undefined;
  return (key, windowMs) => {
    // Created on the first refusal: lru-cache allocates its index for `max` entries up front.
    windows ??= new LRUCache({ max: 100_000 });
    const now = clock.now();
    let w = windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      windows.set(key, w);
    }
    w.count++;
    return Promise.resolve({ count: w.count, resetAt: w.resetAt });
  };
}

const MAX_DELAY_MS = 2000;

export class FailedCredentialThrottle {
  /** Blocked addresses → until (ms); created on the first block (lru-cache allocates up front). */
  private blocks: LRUCache<string, number> | undefined;
  /** In this process: the counter without Redis, and the fallback while Redis cannot answer. */
  private readonly local: Counter;
  private readonly shared: Counter | undefined;

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly metrics: GatehouseMetrics,
    private readonly logger: Logger,
  ) {
    this.local = localCounter(clock);
    this.shared = store.backend === 'redis' ? (key, ms) => store.increment(key, ms) : undefined;
  }

  /** Counts in Redis when there is one; while it cannot answer, in this process (as limits with `allow` do). */
  private async count(key: string, windowMs: number): Promise<CounterState> {
    if (this.shared === undefined) return this.local(key, windowMs);
    try {
      return await this.shared(key, windowMs);
    } catch (err) {
      // The 401 is answered anyway: failing to count in Redis must neither turn a refusal
      // into an outage nor stop the throttle (a Redis outage would lift it for everyone).
      this.logger.debug({ err }, 'failed-credential counter unavailable; counting in this process');
      return this.local(key, windowMs);
    }
  }

  /** The 429 for a blocked address, or undefined. Says nothing about any credential. */
  refusal(addressOf: () => string): GatehouseError | undefined {
    if (this.blocks === undefined || this.blocks.size === 0) return undefined;
    const address = networkOf(addressOf());
    const until = this.blocks.get(address);
    if (until === undefined) return undefined;
    const now = this.clock.now();
    if (until <= now) {
      this.blocks.delete(address);
      return undefined;
    }
    this.metrics.edge.failedCredentialRefusals.inc();
    return new GatehouseError(
      'rate_limited',
      'Too many refused credentials from this address; retry later.',
      {
        headers: { 'retry-after': String(Math.max(1, Math.ceil((until - now) / 1000))) },
      },
    );
  }

  /** Counts one refused credential from `client` and waits out the slow-down; never throws. */
  async failed(client: string, config: FailedCredentialsConfig): Promise<void> {
    const address = networkOf(client);
    let count: number;
    try {
      const counter = await this.count(`fc:${address}`, config.windowSec * 1000);
      count = counter.count;
      if (count >= config.maxFailures) {
        const until = Math.max(counter.resetAt, this.clock.now() + config.cooldownSec * 1000);
        this.blocks ??= new LRUCache({ max: 100_000 });
        if (!this.blocks.has(address)) this.metrics.edge.failedCredentialBlocks.inc();
        this.blocks.set(address, until);
      }
    } catch (err) {
      this.logger.debug({ err }, 'failed-credential counter unavailable');
      return;
    }
    if (count > config.slowAfter && config.delayStepMs > 0)
      await sleep(Math.min(MAX_DELAY_MS, (count - config.slowAfter) * config.delayStepMs));
  }
}
