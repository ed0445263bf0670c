/**
 * The refresh-token grant: refresh with or without rotation, the retry grace, and reuse
 * detection. Every change of a family is a compare-and-set on its revision, so two
 * concurrent refreshes of one token cannot both rotate it: the loser re-reads and is
 * judged again (typically as a retry within the grace window).
 */
import type { Clock } from '../clock.js';
import { StoreConflictError } from '../store/errors.js';
import type { Store, StoredDocument, WriteOp } from '../store/types.js';
import type { RefreshFamilies } from './refresh-families.js';
import {
  facts,
  FAMILIES,
  familyDeadlines,
  familySchema,
  familyTtl,
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
import type { TokenUser, UserDirectory } from './users.js';

export type RefreshFailure =
  | 'malformed'
  | 'unknown'
  | 'revoked'
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
        if (parsed.id === family.current) {
          if (!options.rotate) {
            const next = { ...family, lastUsedAt: now, currentUsed: true };
            await this.writeFamily(familyDoc, next, cap, now, []);
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
          };
          await this.writeFamily(familyDoc, next, cap, now, [
            tokenCreateOp(fresh, token.familyKey, next, now, cap),
          ]);
          return { ok: true, user, family: known, event: 'rotate', refreshToken: fresh.token };
        }
        const graceMs = this.graceMs();
        if (
          graceMs > 0 &&
          parsed.id === family.previous &&
          !family.currentUsed &&
          family.previousRotatedAt !== undefined &&
          now - family.previousRotatedAt <= graceMs
        ) {
          // The answer carrying the current token was most likely lost: answer a new
          // successor and retire the one nobody has used.
          const fresh = newRefreshToken();
          const next: FamilyRecord = { ...family, lastUsedAt: now, current: fresh.id, currentUsed: false };
          const supersede = await this.supersedeOp(family.current);
          await this.writeFamily(familyDoc, next, cap, now, [
            tokenCreateOp(fresh, token.familyKey, next, now, cap),
            ...supersede,
          ]);
          return { ok: true, user, family: known, event: 'grace', refreshToken: fresh.token };
        }
        await this.families.revokeFamily(token.familyKey, familyDoc);
        return { ok: false, reason: 'reuse_detected', family: known };
      } catch (err) {
        if (err instanceof StoreConflictError) continue;
        throw err;
      }
    }
    return { ok: false, reason: 'contention' };
  }

  private async writeFamily(
    doc: StoredDocument,
    next: FamilyRecord,
    cap: number | undefined,
    now: number,
    extra: WriteOp[],
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

  private async supersedeOp(tokenId: string): Promise<WriteOp[]> {
    const doc = await this.store.get(REFRESH_TOKENS, tokenId);
    const record = doc ? refreshTokenSchema.safeParse(doc.value) : undefined;
    if (!doc || !record?.success) return [];
    return [
      {
        op: 'update',
        collection: REFRESH_TOKENS,
        id: tokenId,
        value: { ...record.data, state: 'superseded' },
        expectedRevision: doc.revision,
      },
    ];
  }
}
