/**
 * The replica side of a stored, announced revocation (sessions by `sid`, JWTs by `jti`):
 * subscribe to the channel, then read every stored revocation (subscribing first misses
 * nothing), apply each notification as it arrives, and read everything again, retried
 * with backoff, whenever the store says notifications may have been missed. Each stored
 * document's id is the revoked value and its TTL ends when the revocation may be
 * forgotten; a notification is `{"<idField>": id, "until": epoch ms}`.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { ResyncLoop } from '../store/resync.js';
import type { Store, Unsubscribe } from '../store/types.js';

export interface RevocationFeedOptions {
  readonly store: Store;
  /** The collection of revocation documents. */
  readonly collection: string;
  readonly channel: string;
  /** The notification's field carrying the revoked value (`sid`, `jti`). */
  readonly idField: string;
  /** The resync loop's state label (`revoked_sessions`, `revoked_jtis`). */
  readonly state: string;
  /** Applies one revocation until `until` (epoch ms). */
  readonly apply: (id: string, until: number) => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: GatehouseMetrics;
}

export function revocationMessage(idField: string, id: string, until: number): string {
  return JSON.stringify({ [idField]: id, until });
}

export class RevocationFeed {
  private unsubscribe: Unsubscribe | undefined;
  private readonly resync: ResyncLoop<void>;

  constructor(private readonly options: RevocationFeedOptions) {
    const { clock, logger, metrics } = options;
    this.resync = new ResyncLoop({ name: options.state, read: () => this.loadAll(), clock, logger, metrics });
  }

  async start(): Promise<void> {
    const { store, channel } = this.options;
    this.unsubscribe = await store.subscribe(channel, (text) => this.onMessage(text), {
      onResync: () => void this.resync.request(),
    });
    await this.resync.first();
  }

  async close(): Promise<void> {
    this.resync.close();
    await this.unsubscribe?.();
  }

  private onMessage(text: string): void {
    const { idField, apply, logger, channel } = this.options;
    let value: Record<string, unknown> | undefined;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      value = undefined;
    }
    const id = value?.[idField];
    const until = value?.until;
    if (typeof id === 'string' && typeof until === 'number') apply(id, until);
    else logger.warn({ channel }, 'ignoring a malformed revocation notification');
  }

  /** Every stored revocation (revocations only add: nothing to remove). */
  private async loadAll(): Promise<void> {
    const { store, collection, apply } = this.options;
    let after: string | undefined;
    do {
      const page = await store.list(collection, { limit: 1000, ...(after === undefined ? {} : { after }) });
      for (const doc of page.items) if (doc.expiresAt !== undefined) apply(doc.id, doc.expiresAt);
      after = page.next;
    } while (after !== undefined);
  }
}
