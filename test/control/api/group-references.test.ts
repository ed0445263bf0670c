/**
 * Groups and the references to them, through real sockets: deleting a group removes its
 * memberships and grants in the same transaction (and the audit says what went); a grant
 * the configuration file declares blocks the delete (409); an unknown group or owner in a
 * request is 400 naming the field, with nothing stored; a membership racing the delete of
 * its group never leaves a dangling reference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, storeSnapshot, type AdminTest } from './support.js';

const NODE = 'http://127.0.0.1:9';

interface AuditPage {
  items: { outcome: string; details?: Record<string, unknown> }[];
}

describe('admin API: groups and the references to them', () => {
  let t: AdminTest;

  const must = async (method: string, path: string, body?: unknown) => {
    const res = await t.admin(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
    return res;
  };

  before(async () => {
    t = await startAdminTest({
      groups: [{ id: 'file-group' }],
      infrastructures: [{ id: 'file-infra', nodes: [NODE], permissions: { shared: ['view'] } }],
    });
    for (const id of ['devs', 'other', 'shared']) await must('POST', '/api/v1/groups', { id });
    await must('POST', '/api/v1/users', { id: 'alice', groups: ['devs', 'other'] });
    await must('POST', '/api/v1/users', { id: 'bob', groups: ['devs'] });
    await must('POST', '/api/v1/infrastructures', {
      id: 'inf',
      nodes: [NODE],
      permissions: { devs: ['deploy'], other: ['view'] },
    });
    await must('POST', '/api/v1/services', { id: 'svc', permissions: { devs: ['admin'] } });
  });
  after(() => t.stop());

  it('deleting a group removes its memberships and grants with it, and audits what went', async () => {
    const alice = await t.token('alice', [], ['gatehouse:admin']);
    assert.equal(
      (await t.call('GET', '/api/v1/services/svc', { bearer: alice })).status,
      200,
      'admin through devs',
    );

    assert.equal((await t.admin('DELETE', '/api/v1/groups/devs')).status, 204);
    assert.equal((await t.admin('GET', '/api/v1/groups/devs')).status, 404);
    assert.deepEqual((await t.admin('GET', '/api/v1/users/alice')).body.groups, ['other']);
    assert.deepEqual((await t.admin('GET', '/api/v1/users/bob')).body.groups, []);
    assert.deepEqual((await t.admin('GET', '/api/v1/infrastructures/inf/permissions')).body.permissions, {
      other: ['view'],
    });
    assert.deepEqual((await t.admin('GET', '/api/v1/services/svc/permissions')).body.permissions, {});
    assert.equal(
      (await t.call('GET', '/api/v1/services/svc', { bearer: alice })).status,
      404,
      'the grant went',
    );

    const audit = await t.admin<AuditPage>(
      'GET',
      '/api/v1/audit?action=group.delete&outcome=success&limit=1',
    );
    const details = audit.body.items[0]?.details;
    assert.deepEqual(details?.removed, {
      users: ['alice', 'bob'],
      infrastructures: ['inf'],
      services: ['svc'],
    });
    assert.deepEqual(details?.before, { id: 'devs', global: [], scopes: [] });

    // A group of the same name made later inherits nothing.
    await must('POST', '/api/v1/groups', { id: 'devs' });
    const again = await t.token('alice', ['devs'], ['gatehouse:admin']);
    assert.equal((await t.call('GET', '/api/v1/services/svc', { bearer: again })).status, 404);
  });

  it('a grant declared in the configuration file blocks the delete (409), and nothing changes', async () => {
    const before = await storeSnapshot(t.store);
    const res = await t.admin('DELETE', '/api/v1/groups/shared');
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error, 'conflict');
    assert.deepEqual(res.body.details, { 'configuration-file grants': ['infrastructure file-infra'] });
    assert.equal((await storeSnapshot(t.store)).docs, before.docs);
  });

  it('an unknown group or owner in a request is 400 naming the field; nothing is stored', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/users', { id: 'carol', groups: ['other', 'ghost'] }, 'groups[1]'],
      ['PUT', '/api/v1/users/alice', { groups: ['ghost'] }, 'groups[0]'],
      [
        'PUT',
        '/api/v1/infrastructures/inf/permissions',
        { permissions: { ghost: ['view'] } },
        'permissions.ghost',
      ],
      [
        'PUT',
        '/api/v1/services/svc/permissions',
        { permissions: { other: ['read'], ghost: ['read'] } },
        'permissions.ghost',
      ],
      [
        'POST',
        '/api/v1/infrastructures',
        { id: 'new-inf', nodes: [NODE], permissions: { ghost: ['view'] } },
        'permissions.ghost',
      ],
      ['POST', '/api/v1/services', { id: 'new-svc', permissions: { ghost: ['read'] } }, 'permissions.ghost'],
      ['PUT', '/api/v1/services/svc', { owner: 'nobody' }, 'owner'],
    ];
    for (const [method, path, body, field] of cases) {
      const before = await storeSnapshot(t.store);
      const res = await t.admin(method, path, body);
      assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error, 'bad_request');
      assert.deepEqual(
        (res.body.details as { path: string }[]).map((d) => d.path),
        [field],
        `${method} ${path}`,
      );
      assert.equal((await storeSnapshot(t.store)).docs, before.docs, `${method} ${path}: the store changed`);
    }
    assert.equal((await t.admin('GET', '/api/v1/users/carol')).status, 404);
    // Groups of the configuration file and stored users are known.
    const ok = await t.admin('POST', '/api/v1/users', { id: 'carol', groups: ['file-group', 'other'] });
    assert.equal(ok.status, 201, ok.text);
    assert.equal((await t.admin('PUT', '/api/v1/services/svc', { owner: 'carol' })).status, 200);
  });

  it('a membership racing the delete of its group never dangles', async () => {
    // Force the worst interleaving on the real store: the membership write has read the
    // group (it exists) and is about to commit when the group's delete commits first.
    const store = t.store;
    const transact = store.transact.bind(store);
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    store.transact = async (ops, options) => {
      if (holding && ops.some((o) => o.collection === 'users' && o.id === 'bob' && o.op === 'update')) {
        holding = false;
        reached();
        await held;
      }
      return transact(ops, options);
    };
    try {
      await must('POST', '/api/v1/groups', { id: 'racing' });
      const joining = t.admin('PUT', '/api/v1/users/bob', { groups: ['racing'] });
      await atCommit;
      const deleted = await t.admin('DELETE', '/api/v1/groups/racing');
      assert.equal(deleted.status, 204, deleted.text);
      release();
      const joined = await joining;
      assert.equal(joined.status, 400, `the membership write re-read and found no group: ${joined.text}`);
      assert.equal(joined.body.error, 'bad_request');
    } finally {
      store.transact = transact;
      release();
    }
    const bob = await t.admin('GET', '/api/v1/users/bob');
    assert.ok(!(bob.body.groups as string[]).includes('racing'), 'bob is not in a deleted group');
  });
});
