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
import { MAX_TTL_MS } from '../store/validate.js';
import type { Store } from '../store/types.js';
import { RevocationFeed, revocationMessage } from './revocation-feed.js';

export const REVOKED_JTIS = 'revoked-jtis';
export const JWT_REVOCATIONS_CHANNEL = 'jwt-revocations';
/** The largest `clockToleranceSec` any JWT verifier may be configured with (schema-auth.ts). */
export const MAX_CLOCK_TOLERANCE_MS = 600_000;

export type JtiRevocationOutcome =
  | { readonly ok: true; readonly until: number }
  | { readonly ok: false; readonly problem: 'expired' | 'too_far' };

export class JwtRevocations {
  private readonly feed: RevocationFeed;

  constructor(
    private readonly store: Store,
    private readonly revocations: RevocationList,
    private readonly clock: Clock,
    logger: Logger,
    metrics?: GatehouseMetrics,
  ) {
    this.feed = new RevocationFeed({
      store,
      collection: REVOKED_JTIS,
      channel: JWT_REVOCATIONS_CHANNEL,
      idField: 'jti',
      state: 'revoked_jtis',
      apply: (jti, until) => revocations.revokeCredential(jti, until),
      clock,
      logger,
      ...(metrics ? { metrics } : {}),
    });
  }

  /** Subscribes, then loads the stored revocations. */
  start(): Promise<void> {
    return this.feed.start();
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
        { notify: [{ channel: JWT_REVOCATIONS_CHANNEL, message: revocationMessage('jti', jti, until) }] },
      );
    const kept = Math.max(until, existing?.expiresAt ?? 0);
    this.revocations.revokeCredential(jti, kept);
    return { ok: true, until: kept };
  }

  close(): Promise<void> {
    return this.feed.close();
  }
}
