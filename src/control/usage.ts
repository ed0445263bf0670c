import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { Store } from '../store/types.js';

export const USAGE_COLLECTION = 'key-usage';

/**
 * "Last used" times of API keys, admin keys and tokens. Writing the store on every use
 * would put a write on the hot path, so uses are collected in memory and flushed in one
 * batch every `flushIntervalMs` (accuracy: one interval). Usage documents live in their
 * own collection and announce no change, so they never trigger a plan rebuild.
 */
export class UsageRecorder {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    flushIntervalMs = 30_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** `kind:id`, e.g. `api-key:k1`, `admin-key:a1`, `personal-token:t1`. */
  record(kind: string, id: string): void {
    this.pending.set(`${kind}:${id}`, this.clock.now());
  }

  async lastUsed(kind: string, id: string): Promise<number | undefined> {
    const local = this.pending.get(`${kind}:${id}`);
    if (local !== undefined) return local;
    const doc = await this.store.get(USAGE_COLLECTION, `${kind}:${id}`);
    return typeof doc?.value === 'number' ? doc.value : undefined;
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const ops = [...batch].map(([id, time]) => ({
      op: 'put' as const,
      collection: USAGE_COLLECTION,
      id,
      value: time,
    }));
    try {
      for (let i = 0; i < ops.length; i += 500) await this.store.transact(ops.slice(i, i + 500));
    } catch (err) {
      this.logger.warn({ err, uses: batch.size }, 'could not record key usage; will retry');
      for (const [id, time] of batch) if (!this.pending.has(id)) this.pending.set(id, time);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
