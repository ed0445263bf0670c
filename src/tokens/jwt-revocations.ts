/**
 * JWTs revoked by `jti` through the admin API (PRODUCT.md section 3). A revocation is a
 * store document (collection `revoked-jtis`, id = the jti) whose TTL ends when the token
 * could no longer be accepted anyway (`exp` plus the largest clock tolerance a verifier
 * may have), announced on the `jwt-revocations` channel in the same transaction. The
 * revoking replica applies it at once, the others when the notification arrives, and a
 * replica starting later reads the stored ones. Applying means adding the jti to the
 * in-memory revocation list, which every JWT check consults, cache hits included. When
 * the store says notifications may have been missed (a dropped connection, a Redis
 * restart), every stored revocation is read again, retried with backoff until it works.
 */
import type { RevocationList } from '../auth/revocation.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { ResyncLoop } from '../store/resync.js';
import { MAX_TTL_MS } from '../store/validate.js';
import type { Store, Unsubscribe } from '../store/types.js';

export const REVOKED_JTIS = 'revoked-jtis';
export const JWT_REVOCATIONS_CHANNEL = 'jwt-revocations';
/** The largest `clockToleranceSec` any JWT verifier may be configured with (schema-auth.ts). */
export const MAX_CLOCK_TOLERANCE_MS = 600_000;

interface Message {
  readonly jti: string;
  readonly until: number;
}

function parseMessage(text: string): Message | undefined {
  try {
    const value = JSON.parse(text) as Partial<Message>;
    return typeof value.jti === 'string' && typeof value.until === 'number'
      ? { jti: value.jti, until: value.until }
      : undefined;
  } catch {
    return undefined;
  }
}

export type JtiRevocationOutcome =
  | { readonly ok: true; readonly until: number }
  | { readonly ok: false; readonly problem: 'expired' | 'too_far' };

export class JwtRevocations {
  private unsubscribe: Unsubscribe | undefined;
  private readonly resync: ResyncLoop<void>;

  constructor(
    private readonly store: Store,
    private readonly revocations: RevocationList,
    private readonly clock: Clock,
    private readonly logger: Logger,
    metrics?: GatehouseMetrics,
  ) {
    this.resync = new ResyncLoop({
      name: 'revoked_jtis',
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
      JWT_REVOCATIONS_CHANNEL,
      (text) => {
        const message = parseMessage(text);
        if (message) this.revocations.revokeCredential(message.jti, message.until);
        else this.logger.warn('ignoring a malformed JWT revocation notification');
      },
      { onResync: reload },
    );
    await this.resync.first();
  }

  /** Every stored revocation into the list (revocations only add: nothing to remove). */
  private async loadAll(): Promise<void> {
    let after: string | undefined;
    do {
      const page = await this.store.list(REVOKED_JTIS, {
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      for (const doc of page.items)
        if (doc.expiresAt !== undefined) this.revocations.revokeCredential(doc.id, doc.expiresAt);
      after = page.next;
    } while (after !== undefined);
  }

  /**
   * Revokes every JWT carrying `jti` on every replica until it expires (`exp` in epoch
   * seconds, as in the claim). Refused when that is already past or absurdly far.
   */
  async revoke(jti: string, exp: number): Promise<JtiRevocationOutcome> {
    const now = this.clock.now();
    const until = exp * 1000 + MAX_CLOCK_TOLERANCE_MS;
    if (until <= now) return { ok: false, problem: 'expired' };
    if (until - now > MAX_TTL_MS) return { ok: false, problem: 'too_far' };
    const existing = await this.store.get(REVOKED_JTIS, jti);
    if (existing?.expiresAt === undefined || existing.expiresAt < until)
      await this.store.transact(
        [{ op: 'put', collection: REVOKED_JTIS, id: jti, value: { revokedAt: now }, ttlMs: until - now }],
        { notify: [{ channel: JWT_REVOCATIONS_CHANNEL, message: JSON.stringify({ jti, until }) }] },
      );
    const kept = Math.max(until, existing?.expiresAt ?? 0);
    this.revocations.revokeCredential(jti, kept);
    return { ok: true, until: kept };
  }

  async close(): Promise<void> {
    this.resync.close();
    await this.unsubscribe?.();
  }
}
