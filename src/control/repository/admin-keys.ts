/**
 * Admin API keys (full rights on the admin API), managed by the CLI on the node. Layout
 * shared with PrincipalResolver: `admin-keys/<id>` holds the record (SHA-256 of the key,
 * never the key) and `admin-key-digests/<sha256 hex>` the key id. Every change announces
 * itself on the `control` channel and is audited with actor `system`/`cli`.
 */
import { randomBytes } from 'node:crypto';
import { generateSecret, hashApiKey, SECRET_PREFIXES, sha256Hex } from '../../auth/api-key-hash.js';
import type { Clock } from '../../clock.js';
import type { AuditEntry, Store } from '../../store/types.js';
import { adminKeyRecordSchema, COLLECTIONS, CONTROL_CHANNEL, type AdminKeyRecord } from '../model.js';
import { USAGE_COLLECTION } from '../usage.js';
import { getDoc, listDocs } from './documents.js';

const CLI_ACTOR: AuditEntry['actor'] = { type: 'system', id: 'cli' };
const notify = (id: string) => [
  { channel: CONTROL_CHANNEL, message: JSON.stringify({ kind: 'admin-key', id }) },
];

export interface AdminKeyListing extends AdminKeyRecord {
  readonly lastUsedAt: number | undefined;
}

export async function createAdminKey(
  store: Store,
  clock: Clock,
  label: string | undefined,
): Promise<{ record: AdminKeyRecord; key: string }> {
  const key = generateSecret(SECRET_PREFIXES.adminKey);
  const record = adminKeyRecordSchema.parse({
    id: `ak-${randomBytes(6).toString('hex')}`,
    ...(label === undefined ? {} : { label }),
    prefix: key.slice(0, 8),
    hash: hashApiKey(key),
    createdAt: clock.now(),
  });
  await store.transact(
    [
      { op: 'create', collection: COLLECTIONS.adminKeys, id: record.id, value: record },
      { op: 'create', collection: COLLECTIONS.adminKeyDigests, id: sha256Hex(key), value: record.id },
    ],
    { notify: notify(record.id) },
  );
  await store.appendAudit({
    actor: CLI_ACTOR,
    action: 'admin-key.create',
    target: { type: 'admin-key', id: record.id },
    outcome: 'success',
    ...(label === undefined ? {} : { details: { label } }),
  });
  return { record, key };
}

export async function listAdminKeys(store: Store): Promise<AdminKeyListing[]> {
  const keys = await listDocs(store, COLLECTIONS.adminKeys, adminKeyRecordSchema);
  return Promise.all(
    keys.map(async ({ value }) => {
      const used = await store.get(USAGE_COLLECTION, `admin-key:${value.id}`);
      return { ...value, lastUsedAt: typeof used?.value === 'number' ? used.value : undefined };
    }),
  );
}

/** Deletes by key (`gha_...`) or id; undefined when no such key exists. */
export async function deleteAdminKey(store: Store, keyOrId: string): Promise<AdminKeyRecord | undefined> {
  let id = keyOrId;
  if (keyOrId.startsWith(SECRET_PREFIXES.adminKey)) {
    const index = await store.get(COLLECTIONS.adminKeyDigests, sha256Hex(keyOrId));
    if (typeof index?.value !== 'string') return undefined;
    id = index.value;
  }
  const stored = await getDoc(store, COLLECTIONS.adminKeys, id, adminKeyRecordSchema);
  if (!stored) {
    await store.appendAudit({
      actor: CLI_ACTOR,
      action: 'admin-key.delete',
      outcome: 'error',
      details: { reason: 'no such admin key' },
    });
    return undefined;
  }
  await store.transact(
    [
      { op: 'delete', collection: COLLECTIONS.adminKeys, id, expectedRevision: stored.revision },
      {
        op: 'delete',
        collection: COLLECTIONS.adminKeyDigests,
        id: stored.value.hash.slice('sha256:'.length),
      },
    ],
    { notify: notify(id) },
  );
  await store.appendAudit({
    actor: CLI_ACTOR,
    action: 'admin-key.delete',
    target: { type: 'admin-key', id },
    outcome: 'success',
  });
  return stored.value;
}

/** One audit record per listing, so every CLI use is traceable. */
export async function auditAdminKeyList(store: Store, count: number): Promise<void> {
  await store.appendAudit({
    actor: CLI_ACTOR,
    action: 'admin-key.list',
    outcome: 'success',
    details: { count },
  });
}
