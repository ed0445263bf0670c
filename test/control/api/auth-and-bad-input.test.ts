/**
 * Who may call the admin API (admin key as Bearer or Basic, user tokens, nobody) and
 * what bad input gets: each refusal asserts the status, the error code and that the
 * store is unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdminKey, deleteAdminKey } from '../../../src/control/repository/admin-keys.js';
import { startAdminTest, storeSnapshot, type AdminTest } from './support.js';

type Obj = Record<string, unknown>;
const NODE = 'http://127.0.0.1:9';

function flipOneByte(key: string): string {
  const i = key.length - 5;
  return key.slice(0, i) + (key[i] === 'A' ? 'B' : 'A') + key.slice(i + 1);
}

describe('admin API callers and bad input', () => {
  let t: AdminTest;
  before(async () => {
    t = await startAdminTest({ server: { admin: { maxBodyBytes: 2048 } } });
    await t.admin('POST', '/api/v1/infrastructures', { id: 'inf', nodes: [NODE] });
    await t.admin('POST', '/api/v1/services', { id: 'svc' });
    await t.admin('POST', '/api/v1/services/svc/versions', { id: 'v1', auth: { methods: ['public'] } });
    await t.admin('POST', '/api/v1/deployments', {
      id: 'dep',
      service: 'svc',
      version: 'v1',
      infrastructure: 'inf',
    });
  });
  after(() => t.stop());

  describe('admin API keys', () => {
    it('accepts the key as Bearer and as Basic user with an empty password, and audits each use', async () => {
      const before = await t.store.queryAudit({ actorId: t.adminKeyId }, { limit: 1000 });
      assert.equal((await t.call('GET', '/api/v1/services', { bearer: t.adminKey })).status, 200);
      assert.equal((await t.call('GET', '/api/v1/services/svc', { basic: t.adminKey })).status, 200);
      const after = await t.store.queryAudit({ actorId: t.adminKeyId }, { limit: 1000 });
      assert.equal(
        after.items.length,
        before.items.length + 2,
        'every admin-key use is audited, reads included',
      );
      assert.deepEqual(
        after.items.slice(0, 2).map((r) => r.action),
        ['service.read', 'service.list'],
      );
      assert.equal(after.items[0]?.actor.type, 'admin-key');
    });

    it('answers 401 invalid_token to a key with one byte changed, as Bearer or Basic, and audits it', async () => {
      const before = await storeSnapshot(t.store);
      for (const creds of [{ bearer: flipOneByte(t.adminKey) }, { basic: flipOneByte(t.adminKey) }]) {
        const res = await t.call('POST', '/api/v1/infrastructures', {
          ...creds,
          body: { id: 'evil', nodes: [NODE] },
        });
        assert.equal(res.status, 401);
        assert.equal(res.body.error, 'invalid_token');
        assert.match(
          String(res.headers.get('www-authenticate')),
          /^Bearer realm="gatehouse", error="invalid_token"/,
        );
      }
      const after = await storeSnapshot(t.store);
      assert.equal(after.docs, before.docs);
      const denied = await t.store.queryAudit({ outcome: 'denied', actorId: 'anonymous' }, { limit: 2 });
      assert.equal(denied.items.length, 2);
      assert.deepEqual(denied.items[0]?.details, { status: 401, error: 'invalid_token' });
    });

    it('answers 401 missing_credentials without credentials, and refuses a deleted key', async () => {
      const none = await t.call('GET', '/api/v1/services');
      assert.equal(none.status, 401);
      assert.equal(none.body.error, 'missing_credentials');
      assert.match(String(none.headers.get('www-authenticate')), /Basic realm="gatehouse"/);
      const garbage = await t.call('GET', '/api/v1/services', { bearer: 'not-a-key-or-token' });
      assert.equal(garbage.status, 401);
      const { key: extra } = await createAdminKey(t.store, t.gh.gatehouse.clock, 'temporary');
      assert.equal((await t.call('GET', '/api/v1/services', { bearer: extra })).status, 200);
      await deleteAdminKey(t.store, extra);
      assert.equal((await t.call('GET', '/api/v1/services', { bearer: extra })).status, 401);
    });
  });

  describe('bad input', () => {
    const cases: {
      name: string;
      method: string;
      path: string;
      raw?: string;
      contentType?: string;
      body?: unknown;
      status: number;
      code: string;
      field?: string;
    }[] = [
      {
        name: 'malformed JSON',
        method: 'POST',
        path: '/api/v1/infrastructures',
        raw: '{"id": "x",',
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'JSON null',
        method: 'POST',
        path: '/api/v1/infrastructures',
        raw: 'null',
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'an array body',
        method: 'POST',
        path: '/api/v1/infrastructures',
        raw: '[]',
        status: 422,
        code: 'validation_failed',
        field: '(body)',
      },
      {
        name: 'wrong types',
        method: 'POST',
        path: '/api/v1/infrastructures',
        body: { id: 5, nodes: 'x' },
        status: 422,
        code: 'validation_failed',
        field: 'nodes',
      },
      {
        name: 'an unknown field',
        method: 'PUT',
        path: '/api/v1/deployments/dep',
        body: { service: 'svc', version: 'v1', infrastructure: 'inf', enabeld: false },
        status: 422,
        code: 'validation_failed',
        field: 'enabeld',
      },
      {
        name: 'a body over maxBodyBytes',
        method: 'POST',
        path: '/api/v1/services',
        body: { id: 'big', description: 'x'.repeat(4000) },
        status: 413,
        code: 'body_too_large',
      },
      {
        name: 'a text/plain body',
        method: 'POST',
        path: '/api/v1/services',
        raw: '{"id":"plain"}',
        contentType: 'text/plain',
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'no body',
        method: 'POST',
        path: '/api/v1/services',
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'an id with a slash in the body',
        method: 'POST',
        path: '/api/v1/services',
        body: { id: 'a/b' },
        status: 422,
        code: 'validation_failed',
        field: 'id',
      },
      {
        name: 'an id with ".." in the path',
        method: 'GET',
        path: '/api/v1/services/..',
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'an escaped slash in the path',
        method: 'DELETE',
        path: '/api/v1/services/svc%2F..%2Finf',
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'a space in the path',
        method: 'PUT',
        path: '/api/v1/infrastructures/a%20b',
        body: { nodes: [NODE] },
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'a duplicate id',
        method: 'POST',
        path: '/api/v1/services',
        body: { id: 'svc' },
        status: 409,
        code: 'conflict',
      },
      {
        name: 'deleting a service that has deployments',
        method: 'DELETE',
        path: '/api/v1/services/svc',
        status: 409,
        code: 'conflict',
      },
      {
        name: 'a deployment of a missing version',
        method: 'POST',
        path: '/api/v1/deployments',
        body: { id: 'd2', service: 'svc', version: 'v7', infrastructure: 'inf', basePath: '/d2' },
        status: 422,
        code: 'validation_failed',
        field: 'version',
      },
      {
        name: 'a deployment on a missing infrastructure',
        method: 'POST',
        path: '/api/v1/deployments',
        body: { id: 'd3', service: 'svc', version: 'v1', infrastructure: 'gone', basePath: '/d3' },
        status: 422,
        code: 'validation_failed',
        field: 'infrastructure',
      },
      {
        name: 'a user named me',
        method: 'POST',
        path: '/api/v1/users',
        body: { id: 'me' },
        status: 422,
        code: 'validation_failed',
        field: 'id',
      },
      {
        name: 'an unknown method on a resource',
        method: 'PATCH',
        path: '/api/v1/services/svc',
        body: {},
        status: 405,
        code: 'method_not_allowed',
      },
      {
        name: 'an unknown endpoint',
        method: 'GET',
        path: '/api/v1/nothing-here',
        status: 404,
        code: 'not_found',
      },
    ];
    for (const c of cases)
      it(`refuses ${c.name}: ${c.status} ${c.code}, store unchanged`, async () => {
        const before = await storeSnapshot(t.store);
        const res = await t.call(c.method, c.path, {
          bearer: t.adminKey,
          ...(c.raw === undefined ? {} : { raw: c.raw }),
          ...(c.body === undefined ? {} : { body: c.body }),
          ...(c.contentType === undefined ? {} : { contentType: c.contentType }),
        });
        assert.equal(res.status, c.status, res.text);
        assert.equal(res.body.error, c.code);
        assert.equal(res.headers.get('x-request-id'), res.body.requestId);
        if (c.field) {
          const paths = (res.body.details as { path: string }[]).map((d) => d.path);
          assert.ok(paths.includes(c.field), `${c.field} in ${JSON.stringify(paths)}`);
        }
        assert.equal((await storeSnapshot(t.store)).docs, before.docs, 'the store is unchanged');
      });

    it('lists the blocking deployments in a 409', async () => {
      const res = await t.admin<Obj>('DELETE', '/api/v1/infrastructures/inf');
      assert.equal(res.status, 409);
      assert.deepEqual(res.body.details, { deployments: ['dep'] });
    });
  });
});
