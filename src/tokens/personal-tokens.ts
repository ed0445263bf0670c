/**
 * Personal API tokens: `ghp_` + 256 random bits, shown once, stored as a SHA-256
 * digest with a TTL until `expiresAt`. A token acts as its user with at most the user's
 * scopes: asking for a scope the user does not hold is refused at creation (422), and
 * at use the token's scopes are re-checked against the user's current ones. A token is
 * never broader than the credential that creates it: a scope-restricted creator must
 * list the new token's scopes, each covered by its own (422 otherwise).
 */
import { randomBytes } from 'node:crypto';
import { generateSecret, hashApiKey, SECRET_PREFIXES } from '../auth/api-key-hash.js';
import { scopeGranted } from '../auth/authorizers/scopes.js';
import type { Clock } from '../clock.js';
import { scopesBeyond } from '../control/scopes.js';
import type { UsageRecorder } from '../control/usage.js';
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/types.js';
import { StoreNotFoundError } from '../store/errors.js';
import {
  PERSONAL_TOKENS,
  personalTokenSchema,
  TOKENS_CHANNEL,
  type PersonalTokenIndex,
  type PersonalTokenRecord,
} from './personal-index.js';
import type { TokenUser } from './users.js';

/** Store TTLs top out around ten years; so do personal tokens. */
const MAX_LIFETIME_MS = 3650 * 86_400_000;
export const USAGE_KIND = 'personal-token';

export interface PersonalTokenView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes?: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
}

export interface CreateRequest {
  readonly name: string;
  readonly expiresAt: number;
  readonly scopes?: readonly string[] | undefined;
  /** The scopes the creating credential is restricted to; undefined when it acts with its user's full rights. */
  readonly creatorLimit?: ReadonlySet<string> | undefined;
}

export class PersonalTokens {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly index: PersonalTokenIndex,
    private readonly usage: UsageRecorder,
    private readonly limits: () => { maxLifetimeSec?: number | undefined; maxPerUser: number },
  ) {}

  async create(
    user: TokenUser,
    request: CreateRequest,
  ): Promise<{ token: string; record: PersonalTokenRecord }> {
    const now = this.clock.now();
    const { maxLifetimeSec, maxPerUser } = this.limits();
    const maxLifetimeMs = maxLifetimeSec === undefined ? MAX_LIFETIME_MS : maxLifetimeSec * 1000;
    if (request.expiresAt <= now) throw invalid('expiresAt must be in the future.', 'expiresAt');
    if (request.expiresAt - now > maxLifetimeMs)
      throw invalid(
        `expiresAt may be at most ${Math.floor(maxLifetimeMs / 1000)} seconds from now.`,
        'expiresAt',
      );
    if (request.creatorLimit !== undefined) {
      // Without scopes the token would act with the user's full rights: broader than its creator.
      if (request.scopes === undefined)
        throw invalid(
          'A scope-restricted credential must list the new token’s scopes (within its own).',
          'scopes',
        );
      const beyond = scopesBeyond(request.creatorLimit, request.scopes);
      if (beyond.length > 0)
        throw invalid(
          `A token cannot be broader than the credential creating it: ${beyond.join(' ')}.`,
          'scopes',
        );
    }
    const missing = (request.scopes ?? []).filter((s) => !scopeGranted(user.scopeSet, s));
    if (missing.length > 0)
      throw invalid(`A token cannot hold scopes its user lacks: ${missing.join(' ')}.`, 'scopes');
    if (this.index.listFor(user.id).filter((t) => t.expiresAt > now).length >= maxPerUser)
      throw new GatehouseError(
        'conflict',
        `A user may hold at most ${maxPerUser} personal tokens; delete one first.`,
      );
    const token = generateSecret(SECRET_PREFIXES.personalToken);
    const record: PersonalTokenRecord = {
      id: randomBytes(12).toString('hex'),
      user: user.id,
      userCreatedAt: user.createdAt,
      name: request.name,
      prefix: token.slice(0, 10),
      hash: hashApiKey(token),
      ...(request.scopes === undefined ? {} : { scopes: [...new Set(request.scopes)] }),
      createdAt: now,
      expiresAt: request.expiresAt,
    };
    await this.store.transact(
      [
        {
          op: 'create',
          collection: PERSONAL_TOKENS,
          id: record.id,
          value: record,
          ttlMs: record.expiresAt - now,
        },
      ],
      { notify: [{ channel: TOKENS_CHANNEL, message: JSON.stringify({ id: record.id }) }] },
    );
    this.index.upsert(record);
    return { token, record };
  }

  /** The user's live tokens with their last use (batched: accurate to the usage flush interval). */
  async list(userId: string): Promise<PersonalTokenView[]> {
    const now = this.clock.now();
    const records = this.index.listFor(userId).filter((t) => t.expiresAt > now);
    return Promise.all(records.map(async (r) => view(r, await this.usage.lastUsed(USAGE_KIND, r.id))));
  }

  /** Irreversible. Undefined when the user has no such token. */
  async delete(userId: string, id: string): Promise<PersonalTokenRecord | undefined> {
    const doc = await this.store.get(PERSONAL_TOKENS, id);
    const parsed = doc ? personalTokenSchema.safeParse(doc.value) : undefined;
    if (!doc || !parsed?.success || parsed.data.user !== userId) return undefined;
    try {
      await this.store.transact(
        [{ op: 'delete', collection: PERSONAL_TOKENS, id, expectedRevision: doc.revision }],
        {
          notify: [{ channel: TOKENS_CHANNEL, message: JSON.stringify({ id }) }],
        },
      );
    } catch (err) {
      if (err instanceof StoreNotFoundError) return undefined;
      throw err;
    }
    this.index.remove(id);
    return parsed.data;
  }
}

export function view(record: PersonalTokenRecord, lastUsed: number | undefined): PersonalTokenView {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    ...(record.scopes === undefined ? {} : { scopes: record.scopes }),
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    lastUsedAt: lastUsed === undefined ? null : new Date(lastUsed).toISOString(),
  };
}

function invalid(message: string, field: string): GatehouseError {
  return new GatehouseError('validation_failed', message, { details: [{ path: field, message }] });
}
