/**
 * The audit log: a record for every write (success, denied, error) and every admin-key
 * use, with actor, action, target, outcome, request id and source address; filters and
 * pagination on GET /api/v1/audit; and no secret anywhere in the records or the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, type AdminTest } from './support.js';

type Rec = {
  id: string;
  time: string;
  actor: { type: string; id: string };
  action: string;
  target?: { type: string; id: string };
  outcome: string;
  requestId?: string;
  sourceAddress?: string;
  details?: Record<string, unknown>;
};
type Page = { items: Rec[]; next: string | null };
const NODE = 'http://127.0.0.1:9';
const PASSWORD = 'a very secret password 42';
const KEY_HASH = `sha256:${'ab'.repeat(32)}`;
const OTHER_KEY_HASH = `sha256:${'cd'.repeat(32)}`;

describe('audit log', () => {
  let t: AdminTest;
  let adminToken: string;
  let nobodyToken: string;
  let apiKey = '';
  const startedAt = Date.now() - 1;

  before(async () => {
    t = await startAdminTest();
    await t.admin('POST', '/api/v1/groups', { id: 'admins', global: ['admin'] });
    adminToken = await t.token('root', ['admins']);
    nobodyToken = await t.token('nobody');
    const headers = { 'x-request-id': 'req-audit-1' };
    await t.call('POST', '/api/v1/infrastructures', {
      bearer: adminToken,
      headers,
      body: { id: 'inf', nodes: [NODE] },
    });
    await t.call('POST', '/api/v1/infrastructures', {
      bearer: nobodyToken,
      body: { id: 'inf2', nodes: [NODE] },
    });
    await t.call('POST', '/api/v1/infrastructures', {
      bearer: adminToken,
      body: { id: 'inf', nodes: [NODE] },
    });
    await t.admin('POST', '/api/v1/services', { id: 'svc' });
    const key = await t.admin('POST', '/api/v1/services/svc/api-keys', { label: 'reporting' });
    apiKey = String(key.body.key);
    await t.admin('POST', '/api/v1/users', { id: 'erin', password: PASSWORD });
    await t.admin('PUT', '/api/v1/users/erin', { password: PASSWORD + '!' });
    const keyed = (hash: string) => ({
      methods: ['apiKeys'],
      apiKeys: { keys: [{ id: 'k1', hash }] },
    });
    await t.admin('POST', '/api/v1/services/svc/versions', { id: 'v1', auth: keyed(KEY_HASH) });
    await t.admin('PUT', '/api/v1/services/svc/versions/v1', { auth: keyed(OTHER_KEY_HASH) });
  });
  after(() => t.stop());

  const query = (q: string) => t.admin<Page>('GET', `/api/v1/audit?${q}`);

  it('records success, denied and error with actor, target, request id and source address', async () => {
    const res = await query('action=infrastructure.create&limit=10');
    assert.equal(res.status, 200, res.text);
    const [error, denied, success] = res.body.items;
    assert.deepEqual(
      [success?.outcome, denied?.outcome, error?.outcome],
      ['success', 'denied', 'error'],
      JSON.stringify(res.body.items),
    );
    assert.deepEqual(success?.actor, { type: 'user', id: 'root' });
    assert.deepEqual(success?.target, { type: 'infrastructure', id: 'inf' });
    assert.equal(success?.requestId, 'req-audit-1');
    assert.equal(success?.sourceAddress, '127.0.0.1');
    assert.ok(!Number.isNaN(Date.parse(success?.time ?? '')));
    assert.deepEqual(denied?.actor, { type: 'user', id: 'nobody' });
    assert.equal(denied?.details?.status, 403);
    assert.equal(error?.details?.error, 'conflict');
    assert.equal(typeof error?.requestId, 'string');
  });

  it('records admin-key reads too, not user reads', async () => {
    await t.call('GET', '/api/v1/infrastructures/inf', { bearer: adminToken });
    await t.admin('GET', '/api/v1/infrastructures/inf');
    const reads = await query('action=infrastructure.read');
    assert.equal(reads.body.items.length, 1);
    assert.equal(reads.body.items[0]?.actor.type, 'admin-key');
    assert.equal(reads.body.items[0]?.actor.id, t.adminKeyId);
  });

  it('filters by actor, action prefix, target, outcome and time, and paginates', async () => {
    const byActor = await query('actor=root');
    assert.ok(byActor.body.items.length >= 2);
    assert.ok(byActor.body.items.every((r) => r.actor.id === 'root'));
    const prefix = await query('actionPrefix=service.');
    assert.deepEqual([...new Set(prefix.body.items.map((r) => r.action))].sort(), [
      'service.apiKey.create',
      'service.create',
    ]);
    const target = await query('targetType=user&targetId=erin');
    assert.deepEqual(
      target.body.items.map((r) => r.action),
      ['user.update', 'user.create'],
    );
    const denied = await query('outcome=denied');
    assert.ok(denied.body.items.length >= 1 && denied.body.items.every((r) => r.outcome === 'denied'));
    const since = await query(`since=${new Date(startedAt).toISOString()}&until=${Date.now() + 60_000}`);
    assert.ok(since.body.items.length > 5);
    assert.deepEqual((await query(`since=${Date.now() + 60_000}`)).body.items, []);
    for (const bad of ['since=yesterday', 'outcome=maybe', 'limit=0', 'color=red']) {
      const res = await query(bad);
      assert.equal(res.status, 400, bad);
      assert.equal((res.body as unknown as { error: string }).error, 'bad_request');
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page } = await query(
        `limit=3&actionPrefix=infrastructure.${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.ok(page.body.items.length <= 3);
      ids.push(...page.body.items.map((r) => r.id));
      cursor = page.body.next;
    } while (cursor !== null);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    assert.equal(new Set(ids).size, ids.length);
  });

  it('records before and after of every change, secrets and key hashes censored', async () => {
    const user = (await query('action=user.update&targetId=erin&limit=1')).body.items[0];
    assert.deepEqual(user?.details?.changed, ['passwordChangedAt', 'passwordHash']);
    const before = user?.details?.before as Record<string, unknown>;
    const after = user?.details?.after as Record<string, unknown>;
    assert.equal(before.passwordHash, '[redacted]');
    assert.equal(after.passwordHash, '[redacted]');
    assert.equal(after.id, 'erin');

    const version = (await query('action=version.update&limit=1')).body.items[0];
    assert.deepEqual(version?.details?.changed, ['auth'], 'a new key hash shows as a change');
    const keys = (v: unknown) => (v as { auth: { apiKeys: { keys: unknown[] } } }).auth.apiKeys.keys;
    assert.deepEqual(keys(version?.details?.before), [
      { id: 'k1', hash: '[redacted]', scopes: [], groups: [] },
    ]);
    assert.deepEqual(keys(version?.details?.after), [
      { id: 'k1', hash: '[redacted]', scopes: [], groups: [] },
    ]);

    const infra = (await query('action=infrastructure.create&outcome=success&limit=1')).body.items[0];
    assert.equal((infra?.details?.after as { id?: string }).id, 'inf', 'a create records the after');
  });

  it('is refused to users who are not global admins', async () => {
    const res = await t.call('GET', '/api/v1/audit', { bearer: nobodyToken });
    assert.equal(res.status, 403);
  });

  it('never holds a key, hash, password or token, nor does the log', async () => {
    const all = await t.store.queryAudit({}, { limit: 1000 });
    const text = JSON.stringify(all.items);
    const secrets = [
      apiKey,
      apiKey.slice(4),
      t.adminKey,
      t.adminKey.slice(4),
      PASSWORD,
      adminToken,
      nobodyToken,
      'scrypt$',
      'sha256:',
      'ab'.repeat(32),
      'cd'.repeat(32),
    ];
    for (const secret of secrets) {
      assert.ok(secret.length > 5);
      assert.ok(!text.includes(secret), `audit records contain ${secret.slice(0, 10)}…`);
      assert.ok(!t.gh.log.text().includes(secret), `the log contains ${secret.slice(0, 10)}…`);
    }
    const lines = t.gh.log.lines.filter((l) => l.msg === 'audit');
    const fromApi = all.items.filter((r) => r.actor.type !== 'system');
    assert.ok(lines.length >= fromApi.length, 'every admin API record is also a JSON log line');
  });
});
