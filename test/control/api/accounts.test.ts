/** Groups, users (passwords write-only, scrypt-hashed), and system settings through the admin API. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COLLECTIONS, userRecordSchema } from '../../../src/control/model.js';
import { verifyPassword } from '../../../src/control/passwords.js';
import { startAdminTest, type AdminTest } from './support.js';

type Obj = Record<string, unknown>;
type Page = { items: Obj[]; next: string | null };

describe('admin API: groups, users, settings', () => {
  let t: AdminTest;
  before(async () => {
    t = await startAdminTest({ groups: [{ id: 'file-group', global: ['createService'] }] });
  });
  after(() => t.stop());

  async function storedUser(id: string) {
    const doc = await t.store.get(COLLECTIONS.users, id);
    return userRecordSchema.parse(doc?.value);
  }

  it('manages groups; file groups are listed and read-only', async () => {
    const created = await t.admin('POST', '/api/v1/groups', {
      id: 'ops',
      description: 'Ops',
      global: ['admin'],
      scopes: ['cluster:read'],
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.source, 'api');
    assert.equal((await t.admin('POST', '/api/v1/groups', { id: 'ops' })).status, 409);
    const bad = await t.admin('POST', '/api/v1/groups', { id: 'x', global: ['root'] });
    assert.equal(bad.status, 422);
    assert.equal((bad.body.details as { path: string }[])[0]?.path, 'global[0]');
    const list = await t.admin<Page>('GET', '/api/v1/groups');
    assert.deepEqual(
      list.body.items.map((g) => [g.id, g.source]),
      [
        ['file-group', 'config'],
        ['ops', 'api'],
      ],
    );
    const updated = await t.admin('PUT', '/api/v1/groups/ops', { global: ['createService'] });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(updated.body.global, ['createService']);
    assert.deepEqual(updated.body.scopes, [], 'PUT replaces');
    assert.equal((await t.admin('PUT', '/api/v1/groups/file-group', {})).status, 409);
    assert.equal((await t.admin('DELETE', '/api/v1/groups/file-group')).status, 409);
    assert.equal((await t.admin('DELETE', '/api/v1/groups/ops')).status, 204);
    assert.equal((await t.admin('GET', '/api/v1/groups/ops')).status, 404);
  });

  it('creates users with a write-only password stored as an scrypt hash', async () => {
    const created = await t.admin('POST', '/api/v1/users', {
      id: 'alice',
      displayName: 'Alice',
      email: 'alice@example.com',
      groups: ['file-group'],
      password: 'correct horse battery',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.hasPassword, true);
    assert.ok(!created.text.includes('scrypt') && !created.text.includes('correct horse'), created.text);
    const stored = await storedUser('alice');
    assert.match(stored.passwordHash ?? '', /^scrypt\$/);
    assert.ok(await verifyPassword('correct horse battery', stored.passwordHash));

    const kept = await t.admin('PUT', '/api/v1/users/alice', {
      displayName: 'Alice B',
      groups: ['file-group'],
    });
    assert.equal(kept.status, 200, kept.text);
    assert.equal((await storedUser('alice')).passwordHash, stored.passwordHash, 'no password: unchanged');
    await t.admin('PUT', '/api/v1/users/alice', { groups: ['file-group'], password: 'another long one' });
    assert.ok(await verifyPassword('another long one', (await storedUser('alice')).passwordHash));
    const short = await t.admin('POST', '/api/v1/users', { id: 'bob', password: 'short' });
    assert.equal(short.status, 422);
    assert.equal((short.body.details as { path: string }[])[0]?.path, 'password');
    const list = await t.admin<Page>('GET', '/api/v1/users');
    assert.deepEqual(
      list.body.items.map((u) => u.id),
      ['alice'],
    );
    assert.ok(!JSON.stringify(list.body).includes('passwordHash'));
    const group = await t.admin('GET', '/api/v1/groups/file-group');
    assert.deepEqual(group.body.members, ['alice']);
  });

  it("adds a stored user's groups to a token's, and refuses a disabled user at once", async () => {
    await t.admin('POST', '/api/v1/groups', { id: 'admins', global: ['admin'] });
    await t.admin('POST', '/api/v1/users', { id: 'dave', groups: ['admins'] });
    const token = await t.token('dave', []);
    assert.equal(
      (await t.call('GET', '/api/v1/settings', { bearer: token })).status,
      200,
      'admin through the stored group',
    );
    await t.admin('PUT', '/api/v1/users/dave', { groups: ['admins'], disabled: true });
    const refused = await t.call('GET', '/api/v1/settings', { bearer: token });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_token');
    assert.equal((await t.admin('DELETE', '/api/v1/users/dave')).status, 204);
    assert.equal((await t.admin('GET', '/api/v1/users/dave')).status, 404);
  });

  it('reads and replaces system settings, which reach the snapshot', async () => {
    assert.deepEqual((await t.admin('GET', '/api/v1/settings')).body, {
      maximumRefreshTokenLifetimeSec: null,
      implicitLogin: true,
    });
    const put = await t.admin('PUT', '/api/v1/settings', {
      implicitLogin: false,
      maximumRefreshTokenLifetimeSec: 86400,
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(t.gh.gatehouse.state.snapshot.settings, {
      implicitLogin: false,
      maximumRefreshTokenLifetimeSec: 86400,
    });
    const bad = await t.admin('PUT', '/api/v1/settings', {
      maximumRefreshTokenLifetimeSec: 5,
      implicit: true,
    });
    assert.equal(bad.status, 422);
    assert.deepEqual((bad.body.details as { path: string }[]).map((d) => d.path).sort(), [
      'implicit',
      'implicitLogin',
      'maximumRefreshTokenLifetimeSec',
    ]);
  });
});
