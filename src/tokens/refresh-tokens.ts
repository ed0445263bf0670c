/**
 * The refresh-token grant: refresh with or without rotation, the retry grace, and reuse
 * detection. Every change of a family is a compare-and-set on its revision, so two
 * concurrent refreshes of one token cannot both rotate it: the loser re-reads and is
 * judged again (typically as a retry within the grace window).
 *
 * The grace answer is idempotent: a retry of the rotated token within the window gets
 * the successor its rotation already produced (sealed under the rotated token,
 * successor-seal.ts), never a new branch; so nobody holding a stolen rotated token can
 * take the chain away from the client. Any other use of a rotated token is reuse and
 * revokes the whole chain (docs/tokens.md, "Retry grace window").
 */
import type { Clock } from '../clock.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { StoreConflictError, StoreNotFoundError } from '../store/errors.js';
import type { Store, StoredDocument, WriteOp } from '../store/types.js';
import type { RefreshFamilies } from './refresh-families.js';
import {
  facts,
  FAMILIES,
  familyDeadlines,
  familySchema,
  familyTtl,
  formatRefreshToken,
  MAX_ATTEMPTS,
  newRefreshToken,
  parseRefreshToken,
  REFRESH_TOKENS,
  refreshTokenSchema,
  secretMatches,
  tokenCreateOp,
  type FamilyFacts,
  type FamilyRecord,
} from './refresh-records.js';
import { openSuccessor, sealSuccessor } from './successor-seal.js';
import type { TokenUser, UserDirectory } from './users.js';

export type RefreshFailure =
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'credentials_changed'
  | 'expired'
  | 'inactive'
  | 'client_mismatch'
  | 'user_unavailable'
  | 'superseded'
  | 'reuse_detected'
  | 'contention';

export type RefreshOutcome =
  | {
      readonly ok: true;
      readonly user: TokenUser;
      readonly family: FamilyFacts;
      /** refresh: no rotation; rotate: a new token replaced the presented one; grace: a retry within the grace window. */
      readonly event: 'refresh' | 'rotate' | 'grace';
      readonly refreshToken: string | undefined;
    }
  | { readonly ok: false; readonly reason: RefreshFailure; readonly family?: FamilyFacts };

export class RefreshTokens {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly users: UserDirectory,
    private readonly families: RefreshFamilies,
    private readonly graceMs: () => number,
    private readonly metrics: GatehouseMetrics,
  ) {}

  /** The refresh grant. `rotate`: answer a new refresh token in place of the presented one. */
  async refresh(
    presented: string,
    options: { rotate: boolean; clientId?: string | undefined },
  ): Promise<RefreshOutcome> {
    const parsed = parseRefreshToken(presented);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const doc = await this.store.get(REFRESH_TOKENS, parsed.id);
    const record = doc ? refreshTokenSchema.safeParse(doc.value) : undefined;
    if (!record?.success || !secretMatches(record.data, parsed.secret))
      return { ok: false, reason: 'unknown' };
    const token = record.data;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const familyDoc = await this.store.get(FAMILIES, token.familyKey);
      const parsedFamily = familyDoc ? familySchema.safeParse(familyDoc.value) : undefined;
      if (!familyDoc || !parsedFamily?.success || parsedFamily.data.sessionId !== token.sessionId)
        return { ok: false, reason: 'revoked' };
      const family = parsedFamily.data;
      const known = facts(family);
      if (options.clientId !== undefined && options.clientId !== family.clientId)
        return { ok: false, reason: 'client_mismatch', family: known };
      const now = this.clock.now();
      const cap = this.users.maximumRefreshLifetimeMs();
      const { absoluteEnd, inactiveAt } = familyDeadlines(family, cap);
      if (now >= absoluteEnd) return { ok: false, reason: 'expired', family: known };
      if (now >= inactiveAt) return { ok: false, reason: 'inactive', family: known };
      const user = this.users.get(family.user);
      if (!user || user.disabled || user.createdAt !== family.userCreatedAt)
        return { ok: false, reason: 'user_unavailable', family: known };
      if (token.state === 'superseded') return { ok: false, reason: 'superseded', family: known };
      try {
        if (family.createdAt <= user.refreshFloor) {
          // Begun before the user's last password change or disable: dead for good.
          await this.families.revokeFamily(token.familyKey, familyDoc);
          return { ok: false, reason: 'credentials_changed', family: known };
        }
        if (parsed.id === family.current) {
          if (!options.rotate) {
            // The current token is in use: the grace of the previous one ends here.
            const { successor: _sealed, ...rest } = family;
            await this.writeFamily(familyDoc, { ...rest, lastUsedAt: now, currentUsed: true }, cap, now);
            return { ok: true, user, family: known, event: 'refresh', refreshToken: undefined };
          }
          const fresh = newRefreshToken();
          const next: FamilyRecord = {
            ...family,
            lastUsedAt: now,
            current: fresh.id,
            currentUsed: false,
            previous: parsed.id,
            previousRotatedAt: now,
            successor: sealSuccessor(parsed, token.familyKey, fresh),
          };
          await this.writeFamily(
            familyDoc,
            next,
            cap,
            now,
            tokenCreateOp(fresh, token.familyKey, next, now, cap),
          );
          return { ok: true, user, family: known, event: 'rotate', refreshToken: fresh.token };
        }
        const retried = this.graceRetry(family, parsed, token.familyKey, now);
        if (retried !== undefined)
          return { ok: true, user, family: known, event: 'grace', refreshToken: retried };
        await this.families.revokeFamily(token.familyKey, familyDoc);
        this.metrics.refreshTokenReuse.inc();
        return { ok: false, reason: 'reuse_detected', family: known };
      } catch (err) {
        // Changed or deleted meanwhile: read it again and judge again.
        if (err instanceof StoreConflictError || err instanceof StoreNotFoundError) continue;
        throw err;
      }
    }
    return { ok: false, reason: 'contention' };
  }

  /**
   * A retry of the last rotation: the presented token is the one just rotated out, its
   * successor has not been used, and the grace window is open. Answers that same
   * successor (undefined: not a retry, i.e. reuse).
   */
  private graceRetry(
    family: FamilyRecord,
    presented: { readonly id: string; readonly secret: string },
    familyKey: string,
    now: number,
  ): string | undefined {
    const graceMs = this.graceMs();
    if (
      graceMs <= 0 ||
      presented.id !== family.previous ||
      family.currentUsed ||
      family.successor === undefined ||
      family.previousRotatedAt === undefined ||
      now - family.previousRotatedAt > graceMs
    )
      return undefined;
    const secret = openSuccessor(presented, familyKey, family.current, family.successor);
    return secret === undefined ? undefined : formatRefreshToken(family.current, secret);
  }

  private async writeFamily(
    doc: StoredDocument,
    next: FamilyRecord,
    cap: number | undefined,
    now: number,
    ...extra: WriteOp[]
  ): Promise<void> {
    await this.store.transact([
      {
        op: 'update',
        collection: FAMILIES,
        id: doc.id,
        value: next,
        expectedRevision: doc.revision,
        ttlMs: familyTtl(next, cap, now),
      },
      ...extra,
    ]);
  }
}
