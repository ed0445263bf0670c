/**
 * The permission rules through HTTP, with users authenticated by JWTs from an HMAC
 * provider (groups from the token's `groups` claim). Every refused call must leave the
 * store unchanged (all control collections compared before and after; the audit log may
 * only gain `denied`/`error` records). Hidden objects answer 404, visible ones 403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, storeSnapshot, type AdminTest } from './support.js';

type Obj = Record<string, unknown>;
const NODE = 'http://127.0.0.1:9';
const PUBLIC = { methods: ['public'] };
const DEP = { service: 'svc', version: 'v1', infrastructure: 'inf' };

interface Attempt {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly status: number;
}

const a = (method: string, path: string, status: number, body?: unknown): Attempt => ({
  method,
  path,
  status,
  body,
});

/** Everything a user without any privilege tries. */
const NOBODY: Attempt[] = [
  a('POST', '/api/v1/infrastructures', 403, { id: 'x', nodes: [NODE] }),
  a('GET', '/api/v1/infrastructures/inf', 404),
  a('PUT', '/api/v1/infrastructures/inf', 404, { nodes: [NODE] }),
  a('DELETE', '/api/v1/infrastructures/inf', 404),
  a('GET', '/api/v1/infrastructures/inf/permissions', 404),
  a('PUT', '/api/v1/infrastructures/inf/permissions', 404, { permissions: { nobody: ['admin'] } }),
  a('POST', '/api/v1/services', 403, { id: 'x' }),
  a('GET', '/api/v1/services/svc', 404),
  a('PUT', '/api/v1/services/svc', 404, { description: 'x' }),
  a('DELETE', '/api/v1/services/svc', 404),
  a('GET', '/api/v1/services/svc/permissions', 404),
  a('PUT', '/api/v1/services/svc/permissions', 404, { permissions: { nobody: ['admin'] } }),
  a('GET', '/api/v1/services/svc/versions', 404),
  a('POST', '/api/v1/services/svc/versions', 404, { id: 'v9', auth: PUBLIC }),
  a('GET', '/api/v1/services/svc/versions/v1', 404),
  a('PUT', '/api/v1/services/svc/versions/v1', 404, { auth: PUBLIC }),
  a('DELETE', '/api/v1/services/svc/versions/v1', 404),
  a('GET', '/api/v1/services/svc/api-keys', 404),
  a('POST', '/api/v1/services/svc/api-keys', 404, {}),
  a('DELETE', '/api/v1/services/svc/api-keys/SVCKEY', 404),
  a('POST', '/api/v1/deployments', 422, { id: 'x', ...DEP, basePath: '/x' }),
  a('GET', '/api/v1/deployments/dep', 404),
  a('PUT', '/api/v1/deployments/dep', 404, DEP),
  a('POST', '/api/v1/deployments/dep/disable', 404),
  a('POST', '/api/v1/deployments/dep/enable', 404),
  a('DELETE', '/api/v1/deployments/dep', 404),
  a('GET', '/api/v1/deployments/dep/api-keys', 404),
  a('POST', '/api/v1/deployments/dep/api-keys', 404, {}),
  a('DELETE', '/api/v1/deployments/dep/api-keys/DEPKEY', 404),
  a('GET', '/api/v1/groups', 403),
  a('POST', '/api/v1/groups', 403, { id: 'g', global: ['admin'] }),
  a('GET', '/api/v1/groups/admins', 403),
  a('PUT', '/api/v1/groups/admins', 403, { global: [] }),
  a('DELETE', '/api/v1/groups/admins', 403),
  a('GET', '/api/v1/users', 403),
  a('POST', '/api/v1/users', 403, { id: 'mallory', groups: ['admins'] }),
  a('GET', '/api/v1/users/alice', 403),
  a('PUT', '/api/v1/users/alice', 403, { groups: ['admins'] }),
  a('DELETE', '/api/v1/users/alice', 403),
  a('GET', '/api/v1/settings', 403),
  a('PUT', '/api/v1/settings', 403, { implicitLogin: false }),
  a('GET', '/api/v1/audit', 403),
];

/** Groups that see an object but lack the privilege: 403 naming what is missing. */
const PARTIAL: { groups: string[]; attempts: Attempt[] }[] = [
  {
    groups: ['viewers'],
    attempts: [
      a('PUT', '/api/v1/infrastructures/inf', 403, { nodes: [NODE] }),
      a('DELETE', '/api/v1/infrastructures/inf', 403),
      a('GET', '/api/v1/infrastructures/inf/permissions', 403),
      a('PUT', '/api/v1/infrastructures/inf/permissions', 403, { permissions: { viewers: ['admin'] } }),
    ],
  },
  {
    groups: ['infra-admins'],
    attempts: [
      a('DELETE', '/api/v1/infrastructures/inf', 403),
      a('POST', '/api/v1/infrastructures', 403, { id: 'x', nodes: [NODE] }),
    ],
  },
  {
    groups: ['readers'],
    attempts: [
      a('PUT', '/api/v1/services/svc', 403, { description: 'x' }),
      a('DELETE', '/api/v1/services/svc', 403),
      a('GET', '/api/v1/services/svc/permissions', 403),
      a('PUT', '/api/v1/services/svc/permissions', 403, { permissions: { readers: ['admin'] } }),
      a('POST', '/api/v1/services/svc/versions', 403, { id: 'v9', auth: PUBLIC }),
      a('PUT', '/api/v1/services/svc/versions/v1', 403, { auth: PUBLIC }),
      a('DELETE', '/api/v1/services/svc/versions/v1', 403),
      a('POST', '/api/v1/services/svc/api-keys', 403, {}),
      a('DELETE', '/api/v1/services/svc/api-keys/SVCKEY', 403),
      a('GET', '/api/v1/deployments/dep', 404),
    ],
  },
  {
    groups: ['readers', 'viewers'],
    attempts: [
      a('PUT', '/api/v1/deployments/dep', 403, DEP),
      a('POST', '/api/v1/deployments/dep/disable', 403),
      a('DELETE', '/api/v1/deployments/dep', 403),
      a('POST', '/api/v1/deployments/dep/api-keys', 403, {}),
      a('DELETE', '/api/v1/deployments/dep/api-keys/DEPKEY', 403),
      a('POST', '/api/v1/deployments', 403, { id: 'x', ...DEP, basePath: '/x' }),
    ],
  },
  {
    groups: ['svc-deployers', 'viewers'],
    attempts: [
      a('POST', '/api/v1/deployments', 403, { id: 'x', ...DEP, basePath: '/x' }),
      a('POST', '/api/v1/deployments/dep/enable', 403),
      a('POST', '/api/v1/services/svc/versions', 403, { id: 'v9', auth: PUBLIC }),
    ],
  },
  {
    groups: ['writers', 'creators'],
    attempts: [
      a('POST', '/api/v1/services/svc/api-keys', 403, {}),
      a('PUT', '/api/v1/services/svc', 403, {}),
    ],
  },
];

describe('permission rules through the admin API', () => {
  let t: AdminTest;
  const ids: Record<string, string> = {};
  const fill = (path: string): string =>
    path.replace('SVCKEY', ids.svcKey ?? '').replace('DEPKEY', ids.depKey ?? '');

  before(async () => {
    t = await startAdminTest();
    const must = async (method: string, path: string, body?: unknown): Promise<Obj> => {
      const res = await t.admin(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
      return res.body;
    };
    await must('POST', '/api/v1/groups', { id: 'admins', global: ['admin'] });
    await must('POST', '/api/v1/groups', { id: 'creators', global: ['createService'] });
    // Grants name declared groups only (an unknown one is 400): declare the matrix's groups.
    const granted = [
      'viewers',
      'deployers',
      'infra-admins',
      'readers',
      'writers',
      'svc-deployers',
      'svc-admins',
    ];
    for (const id of granted) await must('POST', '/api/v1/groups', { id });
    await must('POST', '/api/v1/infrastructures', {
      id: 'inf',
      nodes: [NODE],
      permissions: { viewers: ['view'], deployers: ['deploy'], 'infra-admins': ['admin'] },
    });
    await must('POST', '/api/v1/services', {
      id: 'svc',
      permissions: {
        readers: ['read'],
        writers: ['write'],
        'svc-deployers': ['deploy'],
        'svc-admins': ['admin'],
      },
    });
    await must('POST', '/api/v1/services/svc/versions', { id: 'v1', auth: PUBLIC });
    await must('POST', '/api/v1/deployments', { id: 'dep', ...DEP });
    ids.svcKey = String((await must('POST', '/api/v1/services/svc/api-keys', {})).id);
    ids.depKey = String((await must('POST', '/api/v1/deployments/dep/api-keys', {})).id);
    await must('POST', '/api/v1/users', { id: 'alice', password: 'correct horse battery' });
  });
  after(() => t.stop());

  async function refused(groups: string[], attempt: Attempt): Promise<void> {
    const token = await t.token('user-' + groups.join('-'), groups);
    const before = await storeSnapshot(t.store);
    const res = await t.call(attempt.method, fill(attempt.path), {
      bearer: token,
      ...(attempt.body === undefined ? {} : { body: attempt.body }),
    });
    const what = `${groups.join('+') || 'nobody'}: ${attempt.method} ${attempt.path}`;
    assert.equal(res.status, attempt.status, `${what}: ${res.text}`);
    const code = { 403: 'forbidden', 404: 'not_found', 422: 'validation_failed' }[attempt.status];
    assert.equal(res.body.error, code, what);
    const after = await storeSnapshot(t.store);
    assert.equal(after.docs, before.docs, `${what}: the store changed`);
    if (after.audit > before.audit) {
      const added = await t.store.queryAudit({}, { limit: after.audit - before.audit });
      for (const r of added.items) assert.notEqual(r.outcome, 'success', what);
    }
  }

  it('refuses every operation to a user without privileges (403, or 404 for hidden objects)', async () => {
    for (const attempt of NOBODY) await refused([], attempt);
  });

  it('refuses what each partial privilege does not cover (403 naming it)', async () => {
    for (const { groups, attempts } of PARTIAL)
      for (const attempt of attempts) await refused(groups, attempt);
  });

  it('filters lists by what the caller may see', async () => {
    const nobody = await t.token('nobody');
    for (const path of ['/api/v1/infrastructures', '/api/v1/services', '/api/v1/deployments']) {
      const res = await t.call<{ items: Obj[] }>('GET', path, { bearer: nobody });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.items, [], path);
    }
    const reader = await t.token('r', ['readers']);
    const services = await t.call<{ items: Obj[] }>('GET', '/api/v1/services', { bearer: reader });
    assert.deepEqual(
      services.body.items.map((s) => s.id),
      ['svc'],
    );
    const deps = await t.call<{ items: Obj[] }>('GET', '/api/v1/deployments', { bearer: reader });
    assert.deepEqual(deps.body.items, [], 'a deployment also needs view on its infrastructure');
    const both = await t.token('rv', ['readers', 'viewers']);
    const visible = await t.call<{ items: Obj[] }>('GET', '/api/v1/deployments', { bearer: both });
    assert.deepEqual(
      visible.body.items.map((d) => d.id),
      ['dep'],
    );
  });

  it('grants each privilege what it covers', async () => {
    const as = async (groups: string[], method: string, path: string, body?: unknown, user = 'u') =>
      t.call(method, fill(path), {
        bearer: await t.token(user, groups),
        ...(body === undefined ? {} : { body }),
      });
    const ok = (res: { status: number; text: string }, status = 200) =>
      assert.equal(res.status, status, res.text);

    ok(await as(['viewers'], 'GET', '/api/v1/infrastructures/inf'));
    ok(await as(['infra-admins'], 'PUT', '/api/v1/infrastructures/inf', { nodes: [NODE], stage: 'test' }));
    ok(await as(['infra-admins'], 'GET', '/api/v1/infrastructures/inf/permissions'));
    ok(await as(['readers'], 'GET', '/api/v1/services/svc'));
    ok(await as(['readers'], 'GET', '/api/v1/services/svc/versions'));
    ok(await as(['readers'], 'GET', '/api/v1/services/svc/api-keys'));
    ok(await as(['writers'], 'POST', '/api/v1/services/svc/versions', { id: 'v2', auth: PUBLIC }), 201);
    ok(await as(['writers'], 'PUT', '/api/v1/services/svc/versions/v2', { description: 'w', auth: PUBLIC }));
    ok(await as(['readers', 'viewers'], 'GET', '/api/v1/deployments/dep'));
    ok(await as(['readers', 'viewers'], 'GET', '/api/v1/deployments/dep/api-keys'));
    const deployers = ['svc-deployers', 'deployers'];
    ok(
      await as(deployers, 'POST', '/api/v1/deployments', {
        id: 'dep2',
        ...DEP,
        version: 'v2',
        basePath: '/dep2',
      }),
      201,
    );
    ok(await as(deployers, 'POST', '/api/v1/deployments/dep2/disable'));
    ok(await as(deployers, 'POST', '/api/v1/deployments/dep2/api-keys', {}), 201);
    ok(await as(deployers, 'DELETE', '/api/v1/deployments/dep2'), 204);
    ok(await as(['svc-admins'], 'PUT', '/api/v1/services/svc', { description: 'admin' }));
    ok(await as(['svc-admins'], 'POST', '/api/v1/services/svc/api-keys', {}), 201);
    ok(
      await as(['svc-admins'], 'PUT', '/api/v1/services/svc/permissions', {
        permissions: { readers: ['read'], 'svc-admins': ['admin'] },
      }),
    );
    ok(await as(['admins'], 'POST', '/api/v1/infrastructures', { id: 'by-admin', nodes: [NODE] }), 201);
    ok(await as(['admins'], 'GET', '/api/v1/audit'));

    const created = await as(['creators'], 'POST', '/api/v1/services', { id: 'mine' }, 'carol');
    ok(created, 201);
    assert.equal(created.body.owner, 'carol', 'the creator becomes owner');
    ok(
      await as(
        [],
        'PUT',
        '/api/v1/services/mine/permissions',
        { permissions: { readers: ['read'] } },
        'carol',
      ),
    );
    ok(await as([], 'POST', '/api/v1/services/mine/versions', { id: 'v1', auth: PUBLIC }, 'carol'), 201);
    ok(await as([], 'DELETE', '/api/v1/services/mine', undefined, 'carol'), 204);
  });
});
