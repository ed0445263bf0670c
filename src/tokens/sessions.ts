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
import type { Notification, Store, WriteOp } from '../store/types.js';
import { RevocationFeed, revocationMessage } from './revocation-feed.js';

export const REVOKED_SESSIONS = 'revoked-sessions';
export const REVOCATIONS_CHANNEL = 'revocations';

export class SessionRevocations {
  private readonly feed: RevocationFeed;

  constructor(
    store: Store,
    private readonly revocations: RevocationList,
    private readonly clock: Clock,
    /** How long a revocation must be remembered: the longest a JWT of the session can still be valid. */
    private readonly rememberMs: () => number,
    logger: Logger,
    metrics?: GatehouseMetrics,
  ) {
    this.feed = new RevocationFeed({
      store,
      collection: REVOKED_SESSIONS,
      channel: REVOCATIONS_CHANNEL,
      idField: 'sid',
      state: 'revoked_sessions',
      apply: (sid, until) => revocations.revokeSession(sid, until),
      clock,
      logger,
      ...(metrics ? { metrics } : {}),
    });
  }

  /** Subscribes, then loads the stored revocations. */
  start(): Promise<void> {
    return this.feed.start();
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
      notification: { channel: REVOCATIONS_CHANNEL, message: revocationMessage('sid', sessionId, until) },
    };
  }

  /** Applies a committed revocation on this replica without waiting for the notification. */
  applyLocally(sessionId: string): void {
    this.revocations.revokeSession(sessionId, this.clock.now() + this.rememberMs());
  }

  close(): Promise<void> {
    return this.feed.close();
  }
}
