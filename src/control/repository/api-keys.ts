/**
 * API keys created through the admin API, for a deployment or for every deployment of a
 * service. The secret exists only in the create answer; the store keeps its SHA-256
 * (`api-keys`, read by the data plane through the snapshot) and a digest index
 * (`api-key-digests`: hex digest → key id) written in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import { generateSecret, hashApiKey, SECRET_PREFIXES } from '../../auth/api-key-hash.js';
import type { Store, WriteOp } from '../../store/types.js';
import { apiKeyRecordSchema, COLLECTIONS, type ApiKeyRecord, type ApiKeyScope } from '../model.js';
import { commit, listDocs, type Committer, type Stored } from './documents.js';
import { notFound, retryOnConflict } from '../api/errors.js';
import { StoreConflictError, StoreNotFoundError } from '../../store/errors.js';

/** Shown in lists to recognise a key: `ghk_` and four more characters. */
export const KEY_PREFIX_LENGTH = 8;

export async function keysOfScope(store: Store, scope: ApiKeyScope): Promise<Stored<ApiKeyRecord>[]> {
  const all = await listDocs(store, COLLECTIONS.apiKeys, apiKeyRecordSchema);
  return all.filter((k) => k.value.scope.type === scope.type && k.value.scope.id === scope.id);
}

/** Ops deleting keys with their digest index entries (cascades of a service or deployment delete). */
export function deleteKeyOps(keys: readonly Stored<ApiKeyRecord>[]): WriteOp[] {
  return keys.flatMap((k) => [
    { op: 'delete' as const, collection: COLLECTIONS.apiKeys, id: k.value.id, expectedRevision: k.revision },
    { op: 'delete' as const, collection: COLLECTIONS.apiKeyDigests, id: digestOf(k.value) },
  ]);
}

function digestOf(record: ApiKeyRecord): string {
  return record.hash.slice('sha256:'.length);
}

export interface NewApiKey {
  readonly label?: string | undefined;
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
}

/**
 * Creates a key. `guard` returns ops that must hold in the same transaction (a touch of
 * the scope object, so a concurrent delete of it cannot leave the key orphaned).
 */
export async function createApiKey(
  ctx: Committer & { clock: { now(): number } },
  scope: ApiKeyScope,
  input: NewApiKey,
  createdBy: string,
  guard: () => Promise<readonly WriteOp[]>,
): Promise<{ record: ApiKeyRecord; key: string }> {
  return retryOnConflict(async () => {
    const key = generateSecret(SECRET_PREFIXES.apiKey);
    const hash = hashApiKey(key);
    const record: ApiKeyRecord = apiKeyRecordSchema.parse({
      id: `key-${randomBytes(8).toString('hex')}`,
      scope,
      ...(input.label === undefined ? {} : { label: input.label }),
      prefix: key.slice(0, KEY_PREFIX_LENGTH),
      hash,
      scopes: input.scopes,
      groups: input.groups,
      createdAt: ctx.clock.now(),
      createdBy,
    });
    const ops: WriteOp[] = [
      { op: 'create', collection: COLLECTIONS.apiKeys, id: record.id, value: record },
      { op: 'create', collection: COLLECTIONS.apiKeyDigests, id: digestOf(record), value: record.id },
      ...(await guard()),
    ];
    try {
      await commit(ctx, ops, { kind: 'api-key', id: record.id });
    } catch (err) {
      // A random id or digest collision: try again with fresh randomness.
      if (err instanceof StoreConflictError && err.reason === 'exists')
        throw new StoreConflictError(err.collection, err.id, 'revision', err.actualRevision);
      throw err;
    }
    return { record, key };
  });
}

/** Deletes the key as read; a concurrent delete or change of it makes this one 404. */
export async function deleteApiKey(ctx: Committer, key: Stored<ApiKeyRecord>): Promise<void> {
  try {
    await commit(ctx, deleteKeyOps([key]), { kind: 'api-key', id: key.value.id });
  } catch (err) {
    if (err instanceof StoreNotFoundError || err instanceof StoreConflictError)
      throw notFound('API key', key.value.id);
    throw err;
  }
}
