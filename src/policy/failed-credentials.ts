/**
 * Failed-credential throttling: credentials refused with 401 are counted per client
 * address in the store (fixed window, `store.increment`: shared by every replica with
 * Redis). Above `slowAfter` refusals in a window each further 401 is delayed (by
 * `delayStepMs` per refusal, at most 2 s); at `maxFailures` the address is refused with
 * 429 for `cooldownSec`, before any credential is looked at. Successful requests are not
 * counted and cost nothing: the check is one in-process map lookup.
 *
 * Across replicas: the count is shared, the block is learnt by each replica from its own
 * increment, so an address gets at most `maxFailures + replicas - 1` refused attempts per
 * window before every replica refuses it.
 */
import { LRUCache } from 'lru-cache';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { FailedCredentialsConfig } from '../config/schema-policy.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { Store } from '../store/types.js';

const MAX_DELAY_MS = 2000;

export class FailedCredentialThrottle {
  private readonly blocks = new LRUCache<string, number>({ max: 100_000 });

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly metrics: GatehouseMetrics,
    private readonly logger: Logger,
  ) {}

  /** The 429 for a blocked address, or undefined. Says nothing about any credential. */
  refusal(addressOf: () => string): GatehouseError | undefined {
    if (this.blocks.size === 0) return undefined;
    const address = addressOf();
    const until = this.blocks.get(address);
    if (until === undefined) return undefined;
    const now = this.clock.now();
    if (until <= now) {
      this.blocks.delete(address);
      return undefined;
    }
    this.metrics.failedCredentialRefusals.inc();
    return new GatehouseError(
      'rate_limited',
      'Too many refused credentials from this address; retry later.',
      {
        headers: { 'retry-after': String(Math.max(1, Math.ceil((until - now) / 1000))) },
      },
    );
  }

  /** Counts one refused credential from `address` and waits out the slow-down; never throws. */
  async failed(address: string, config: FailedCredentialsConfig): Promise<void> {
    let count: number;
    try {
      const counter = await this.store.increment(`fc:${address}`, config.windowSec * 1000);
      count = counter.count;
      if (count >= config.maxFailures) {
        const until = Math.max(counter.resetAt, this.clock.now() + config.cooldownSec * 1000);
        if (!this.blocks.has(address)) this.metrics.failedCredentialBlocks.inc();
        this.blocks.set(address, until);
      }
    } catch (err) {
      // The 401 is answered anyway: failing to count must not turn a refusal into an outage.
      this.logger.debug({ err }, 'failed-credential counter unavailable');
      return;
    }
    if (count > config.slowAfter && config.delayStepMs > 0)
      await sleep(Math.min(MAX_DELAY_MS, (count - config.slowAfter) * config.delayStepMs));
  }
}
