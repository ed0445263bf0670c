/**
 * Revoked refresh-token sessions (the `sid` claim of Gatehouse JWTs issued from a
 * refresh-token chain). A revocation is written to the store with a TTL as long as a
 * JWT can live, and announced on the `revocations` channel in the same transaction:
 * the revoking replica applies it at once, the others when the notification arrives,
 * and a replica starting later reads the stored ones. When the store says notifications
 * may have been missed, every stored revocation is read again (retried with backoff
 * until it works). Deployments with `strictRevocation` refuse JWTs of a revoked session.
 */
import type { RevocationList } from '../auth/revocation.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { ResyncLoop } from '../store/resync.js';
import type { Notification, Store, Unsubscribe, WriteOp } from '../store/types.js';

export const REVOKED_SESSIONS = 'revoked-sessions';
export const REVOCATIONS_CHANNEL = 'revocations';

interface Message {
  readonly sid: string;
  readonly until: number;
}

function parseMessage(text: string): Message | undefined {
  try {
    const value = JSON.parse(text) as Partial<Message>;
    return typeof value.sid === 'string' && typeof value.until === 'number'
      ? { sid: value.sid, until: value.until }
      : undefined;
  } catch {
    return undefined;
  }
}

export class SessionRevocations {
  private unsubscribe: Unsubscribe | undefined;
  private readonly resync: ResyncLoop<void>;

  constructor(
    private readonly store: Store,
    private readonly revocations: RevocationList,
    private readonly clock: Clock,
    /** How long a revocation must be remembered: the longest a JWT of the session can still be valid. */
    private readonly rememberMs: () => number,
    private readonly logger: Logger,
    metrics?: GatehouseMetrics,
  ) {
    this.resync = new ResyncLoop({
      name: 'revoked_sessions',
      read: () => this.loadAll(),
      clock,
      logger,
      metrics,
    });
  }

  /** Subscribes, then loads the stored revocations (subscribing first misses nothing). */
  async start(): Promise<void> {
    const reload = (): void => void this.resync.request();
    this.unsubscribe = await this.store.subscribe(
      REVOCATIONS_CHANNEL,
      (text) => {
        const message = parseMessage(text);
        if (message) this.revocations.revokeSession(message.sid, message.until);
        else this.logger.warn('ignoring a malformed session revocation notification');
      },
      { onResync: reload },
    );
    await this.resync.first();
  }

  /** Every stored revocation into the list (revocations only add: nothing to remove). */
  private async loadAll(): Promise<void> {
    let after: string | undefined;
    do {
      const page = await this.store.list(REVOKED_SESSIONS, {
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      for (const doc of page.items)
        if (doc.expiresAt !== undefined) this.revocations.revokeSession(doc.id, doc.expiresAt);
      after = page.next;
    } while (after !== undefined);
  }

  /** The writes and the notification that revoke a session; commit them with the change that causes it. */
  plan(sessionId: string): { op: WriteOp; notification: Notification } {
    const ttlMs = this.rememberMs();
    const until = this.clock.now() + ttlMs;
    return {
      op: {
        op: 'put',
        collection: REVOKED_SESSIONS,
        id: sessionId,
        value: { revokedAt: this.clock.now() },
        ttlMs,
      },
      notification: { channel: REVOCATIONS_CHANNEL, message: JSON.stringify({ sid: sessionId, until }) },
    };
  }

  /** Applies a committed revocation on this replica without waiting for the notification. */
  applyLocally(sessionId: string): void {
    this.revocations.revokeSession(sessionId, this.clock.now() + this.rememberMs());
  }

  async close(): Promise<void> {
    this.resync.close();
    await this.unsubscribe?.();
  }
}
