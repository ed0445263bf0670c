/**
 * A deployment's route is what the data plane matches requests by, so it is guarded like
 * the deployment itself: a route that shares requests with another deployment's (a base
 * path nested in it, or the same path on a host the other serves through "any host")
 * needs deploy on that deployment too. Otherwise a team that may deploy only its own
 * service could carve a subtree out of another team's deployment, or squat one before
 * it is created, and receive that team's clients with their credentials.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../../helpers/http.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { startAdminTest, storeSnapshot, type AdminTest } from './support.js';

type Obj = Record<string, unknown>;

describe('admin API: a route may not overlap a deployment the caller cannot deploy', () => {
  let t: AdminTest;
  let upA: TestUpstream;
  let upB: TestUpstream;
  let teamA = '';
  let teamB = '';
  let both = '';

  const as = (token: string, method: string, path: string, body?: unknown) =>
    t.call<Obj>(method, path, { bearer: token, ...(body === undefined ? {} : { body }) });
  const mallory = (id: string, more: Obj) => ({
    id,
    service: 'svc-b',
    version: 'v1',
    infrastructure: 'inf-b',
    ...more,
  });

  before(async () => {
    upA = await startUpstream('team-a');
    upB = await startUpstream('team-b');
    t = await startAdminTest();
    const must = async (method: string, path: string, body?: unknown): Promise<void> => {
      const res = await t.admin(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
    };
    for (const id of ['team-a', 'team-b']) await must('POST', '/api/v1/groups', { id });
    await must('POST', '/api/v1/infrastructures', {
      id: 'inf-a',
      nodes: [upA.url],
      permissions: { 'team-a': ['deploy'] },
    });
    await must('POST', '/api/v1/infrastructures', {
      id: 'inf-b',
      nodes: [upB.url],
      permissions: { 'team-b': ['deploy'] },
    });
    await must('POST', '/api/v1/services', { id: 'svc-a', permissions: { 'team-a': ['deploy'] } });
    await must('POST', '/api/v1/services', { id: 'svc-b', permissions: { 'team-b': ['deploy'] } });
    await must('POST', '/api/v1/services/svc-a/versions', { id: 'v1', auth: { methods: ['public'] } });
    // Team B's own version: public, and it forwards the Authorization header it receives.
    await must('POST', '/api/v1/services/svc-b/versions', {
      id: 'v1',
      auth: { methods: ['public'], forwardAuthorization: true },
    });
    teamA = await t.token('alice', ['team-a']);
    teamB = await t.token('mallory', ['team-b']);
    both = await t.token('olga', ['team-a', 'team-b']);
    const created = await as(teamA, 'POST', '/api/v1/deployments', {
      id: 'dep-a',
      service: 'svc-a',
      version: 'v1',
      infrastructure: 'inf-a',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.basePath, '/public/api/v1/svc-a');
    const own = await as(teamB, 'POST', '/api/v1/deployments', mallory('dep-b', {}));
    assert.equal(own.status, 201, `a route of its own is fine: ${own.text}`);
  });
  after(async () => {
    await t.stop();
    await upA.close();
    await upB.close();
  });

  it("refuses routes that would take requests from another team's deployment (409, nothing stored)", async () => {
    const attempts: [string, string, string, Obj][] = [
      [
        'a nested base path',
        'POST',
        '/api/v1/deployments',
        mallory('steal-1', { basePath: '/public/api/v1/svc-a/orders' }),
      ],
      [
        'the same path on a host',
        'POST',
        '/api/v1/deployments',
        mallory('steal-2', { basePath: '/public/api/v1/svc-a', host: 'api.example.com' }),
      ],
      [
        'a wildcard host over the root',
        'POST',
        '/api/v1/deployments',
        mallory('steal-3', { basePath: '/', host: '*.example.com' }),
      ],
      [
        'its own deployment moved into the subtree',
        'PUT',
        '/api/v1/deployments/dep-b',
        mallory('dep-b', { basePath: '/public/api/v1/svc-a/pay' }),
      ],
    ];
    for (const [what, method, path, body] of attempts) {
      const before = await storeSnapshot(t.store);
      const res = await as(teamB, method, path, body);
      assert.equal(res.status, 409, `${what}: ${res.text}`);
      assert.equal(res.body.error, 'conflict', what);
      assert.equal((res.body.details as Obj).deployment, 'dep-a', what);
      assert.equal((await storeSnapshot(t.store)).docs, before.docs, `${what}: the store is unchanged`);
    }

    // The victim's clients still reach the victim, their credentials with them.
    const beforeB = upB.requests.length;
    for (const host of [undefined, 'api.example.com', 'x.example.com']) {
      const res = await send(t.gh.url, '/public/api/v1/svc-a/orders/1', {
        headers: { authorization: 'Bearer client-secret', ...(host === undefined ? {} : { host }) },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json().upstream, 'team-a', `host ${host ?? '(none)'}`);
    }
    assert.equal(upB.requests.length, beforeB, "team B's upstream saw none of them");
  });

  it('refuses squatting: a route over a subtree another team holds already', async () => {
    const squat = await as(
      teamB,
      'POST',
      '/api/v1/deployments',
      mallory('squat', { basePath: '/shop/cart' }),
    );
    assert.equal(squat.status, 201, squat.text);
    const before = await storeSnapshot(t.store);
    const victim = await as(teamA, 'POST', '/api/v1/deployments', {
      id: 'shop',
      service: 'svc-a',
      version: 'v1',
      infrastructure: 'inf-a',
      basePath: '/shop',
    });
    assert.equal(victim.status, 409, victim.text);
    assert.equal((victim.body.details as Obj).deployment, 'squat');
    assert.equal((await storeSnapshot(t.store)).docs, before.docs);
    assert.equal((await t.admin('DELETE', '/api/v1/deployments/squat')).status, 204);
  });

  it('allows overlaps to whoever may deploy both, and to admins', async () => {
    const nested = await as(
      both,
      'POST',
      '/api/v1/deployments',
      mallory('nested', { basePath: '/public/api/v1/svc-a/b' }),
    );
    assert.equal(nested.status, 201, nested.text);
    const byAdmin = await t.admin(
      'POST',
      '/api/v1/deployments',
      mallory('by-admin', { basePath: '/public/api/v1/svc-a/c' }),
    );
    assert.equal(byAdmin.status, 201, byAdmin.text);
    // Unrelated routes stay free: another host, a sibling path, a path that only shares a prefix of characters.
    for (const [id, more] of [
      ['sibling', { basePath: '/public/api/v1/svc-b2' }],
      ['prefix-chars', { basePath: '/public/api/v1/svc-abc' }],
      ['other-host', { basePath: '/b-only', host: 'b.example.org' }],
    ] as const) {
      const res = await as(teamB, 'POST', '/api/v1/deployments', mallory(id, more));
      assert.equal(res.status, 201, `${id}: ${res.text}`);
    }
    // An update that keeps the route is not held up by overlaps an admin made.
    const kept = await as(
      teamB,
      'PUT',
      '/api/v1/deployments/by-admin',
      mallory('by-admin', { basePath: '/public/api/v1/svc-a/c', enabled: false }),
    );
    assert.equal(kept.status, 200, kept.text);
  });
});

describe('admin API: a route may not overlap a deployment of the configuration file the caller cannot deploy', () => {
  let t: AdminTest;
  let up: TestUpstream;

  before(async () => {
    up = await startUpstream('file');
    t = await startAdminTest({
      groups: [{ id: 'team-b' }, { id: 'ops' }],
      infrastructures: [{ id: 'inf-file', stage: 'prod', nodes: [up.url], permissions: { ops: ['deploy'] } }],
      services: [
        {
          id: 'svc-file',
          permissions: { ops: ['deploy'] },
          versions: [{ id: 'v1', auth: { methods: ['public'] } }],
        },
        {
          id: 'svc-b',
          permissions: { 'team-b': ['deploy'] },
          versions: [{ id: 'v1', auth: { methods: ['public'] } }],
        },
      ],
      deployments: [{ id: 'dep-file', service: 'svc-file', version: 'v1', infrastructure: 'inf-file' }],
    });
    const infra = await t.admin('POST', '/api/v1/infrastructures', {
      id: 'inf-b',
      nodes: [up.url],
      permissions: { 'team-b': ['deploy'] },
    });
    assert.ok(infra.status < 300, infra.text);
  });
  after(async () => {
    await t.stop();
    await up.close();
  });

  it('refuses a subtree of the file deployment to a team without deploy on it, allows it to one with', async () => {
    const body = (id: string) => ({
      id,
      service: 'svc-b',
      version: 'v1',
      infrastructure: 'inf-b',
      basePath: '/public/api/v1/svc-file/orders',
    });
    const mallory = await t.token('mallory', ['team-b']);
    const before = await storeSnapshot(t.store);
    const refused = await t.call<Obj>('POST', '/api/v1/deployments', {
      bearer: mallory,
      body: body('steal'),
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal((refused.body.details as Obj).deployment, 'dep-file');
    assert.equal((await storeSnapshot(t.store)).docs, before.docs, 'nothing stored');
    const olga = await t.token('olga', ['team-b', 'ops']);
    const allowed = await t.call<Obj>('POST', '/api/v1/deployments', { bearer: olga, body: body('carve') });
    assert.equal(allowed.status, 201, allowed.text);
  });
});
