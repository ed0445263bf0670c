/**
 * Starting and ending refresh-token families. A new password grant for the same (user,
 * client id) replaces the family and revokes the old session; revoking deletes the
 * family (every token of the chain becomes useless) and revokes its session on every
 * replica, in one transaction.
 */
import type { Clock } from '../clock.js';
import { StoreConflictError, StoreNotFoundError } from '../store/errors.js';
import type { Notification, Store, StoredDocument, WriteOp } from '../store/types.js';
import {
  facts,
  FAMILIES,
  familyKeyOf,
  familyPrefixOf,
  familySchema,
  familyTtl,
  MAX_ATTEMPTS,
  newRefreshToken,
  newSessionId,
  parseRefreshToken,
  REFRESH_TOKENS,
  refreshTokenSchema,
  secretMatches,
  tokenCreateOp,
  type FamilyFacts,
  type FamilyRecord,
} from './refresh-records.js';
import type { SessionRevocations } from './sessions.js';
import type { TokenUser, UserDirectory } from './users.js';

export interface RefreshSettings {
  readonly defaultLifetimeMs: number;
  readonly defaultUnusedLifeMs: number | undefined;
}

export class RefreshFamilies {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly users: UserDirectory,
    private readonly sessions: SessionRevocations,
    private readonly settings: () => RefreshSettings,
  ) {}

  /**
   * Starts a family for (user, client id), replacing (and revoking) an existing one.
   * Lifetimes are in ms; both are capped by the maximum refresh-token lifetime.
   */
  async issue(
    user: TokenUser,
    clientId: string,
    requested: { lifetimeMs?: number | undefined; unusedLifeMs?: number | undefined },
  ): Promise<{ refreshToken: string; family: FamilyFacts; replaced: FamilyFacts | undefined }> {
    const cap = this.users.maximumRefreshLifetimeMs();
    const settings = this.settings();
    const capped = (ms: number | undefined): number | undefined =>
      ms === undefined || cap === undefined ? ms : Math.min(ms, cap);
    const familyKey = familyKeyOf(user.id, clientId);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.store.get(FAMILIES, familyKey);
      const now = this.clock.now();
      const token = newRefreshToken();
      const unusedLifeMs = capped(requested.unusedLifeMs ?? settings.defaultUnusedLifeMs);
      const family: FamilyRecord = {
        user: user.id,
        userCreatedAt: user.createdAt,
        clientId,
        sessionId: newSessionId(),
        createdAt: now,
        expiresAt: now + (capped(requested.lifetimeMs ?? settings.defaultLifetimeMs) as number),
        ...(unusedLifeMs === undefined ? {} : { unusedLifeMs }),
        lastUsedAt: now,
        current: token.id,
        currentUsed: false,
      };
      const ttlMs = familyTtl(family, cap, now);
      const old = existing ? familySchema.safeParse(existing.value) : undefined;
      const ops: WriteOp[] = [
        existing
          ? {
              op: 'update',
              collection: FAMILIES,
              id: familyKey,
              value: family,
              expectedRevision: existing.revision,
              ttlMs,
            }
          : { op: 'create', collection: FAMILIES, id: familyKey, value: family, ttlMs },
        tokenCreateOp(token, familyKey, family, now, cap),
      ];
      const notify: Notification[] = [];
      if (old?.success) {
        const revoke = this.sessions.plan(old.data.sessionId);
        ops.push(revoke.op);
        notify.push(revoke.notification);
      }
      try {
        await this.store.transact(ops, { notify });
      } catch (err) {
        if (err instanceof StoreConflictError && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
      if (old?.success) this.sessions.applyLocally(old.data.sessionId);
      return {
        refreshToken: token.token,
        family: facts(family),
        replaced: old?.success ? facts(old.data) : undefined,
      };
    }
  }

  /** Revokes the family of a presented refresh token (current or rotated). */
  async revokeToken(presented: string): Promise<FamilyFacts | undefined> {
    const parsed = parseRefreshToken(presented);
    if (!parsed) return undefined;
    const doc = await this.store.get(REFRESH_TOKENS, parsed.id);
    const record = doc ? refreshTokenSchema.safeParse(doc.value) : undefined;
    if (!record?.success || !secretMatches(record.data, parsed.secret)) return undefined;
    return this.revokeKey(record.data.familyKey, record.data.sessionId);
  }

  /** Revokes the family of (user, client id), if there is one. */
  revokeClient(userId: string, clientId: string): Promise<FamilyFacts | undefined> {
    return this.revokeKey(familyKeyOf(userId, clientId), undefined);
  }

  private async revokeKey(
    familyKey: string,
    sessionId: string | undefined,
  ): Promise<FamilyFacts | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const doc = await this.store.get(FAMILIES, familyKey);
      const family = doc ? familySchema.safeParse(doc.value) : undefined;
      if (!doc || !family?.success) return undefined;
      if (sessionId !== undefined && family.data.sessionId !== sessionId) return undefined;
      try {
        await this.revokeFamily(familyKey, doc);
        return facts(family.data);
      } catch (err) {
        // Revoked meanwhile (another replica, a reuse): not ours to report.
        if (err instanceof StoreNotFoundError) return undefined;
        if (!(err instanceof StoreConflictError)) throw err;
      }
    }
    return undefined;
  }

  /** The user's live families (one per client id), oldest first. */
  async listForUser(userId: string): Promise<{ key: string; doc: StoredDocument; family: FamilyRecord }[]> {
    const out: { key: string; doc: StoredDocument; family: FamilyRecord }[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.list(FAMILIES, {
        prefix: familyPrefixOf(userId),
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      for (const doc of page.items) {
        const parsed = familySchema.safeParse(doc.value);
        if (parsed.success && parsed.data.user === userId)
          out.push({ key: doc.id, doc, family: parsed.data });
      }
      after = page.next;
    } while (after !== undefined);
    return out.sort((a, b) => a.family.createdAt - b.family.createdAt || a.key.localeCompare(b.key));
  }

  /** Revokes the user's family with this session id, if it is live. */
  async revokeSession(userId: string, sessionId: string): Promise<FamilyFacts | undefined> {
    const found = (await this.listForUser(userId)).find((f) => f.family.sessionId === sessionId);
    return found ? this.revokeKey(found.key, sessionId) : undefined;
  }

  /**
   * Revokes the user's families that `which` selects (all of them when absent). Answers
   * the families this call revoked: a family another replica revoked first is not in
   * the list, so each revocation is reported (and audited) once.
   */
  async revokeUser(
    userId: string,
    which: (family: FamilyRecord) => boolean = () => true,
  ): Promise<FamilyFacts[]> {
    const revoked: FamilyFacts[] = [];
    for (const { key, family } of await this.listForUser(userId))
      if (which(family)) {
        const done = await this.revokeKey(key, family.sessionId);
        if (done) revoked.push(done);
      }
    return revoked;
  }

  /** Deletes the family (its tokens become useless) and revokes its session, everywhere. */
  async revokeFamily(familyKey: string, doc: StoredDocument): Promise<void> {
    const family = familySchema.parse(doc.value);
    const revoke = this.sessions.plan(family.sessionId);
    await this.store.transact(
      [{ op: 'delete', collection: FAMILIES, id: familyKey, expectedRevision: doc.revision }, revoke.op],
      { notify: [revoke.notification] },
    );
    this.sessions.applyLocally(family.sessionId);
  }
}
