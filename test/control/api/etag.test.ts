/**
 * Concurrent admin updates don't silently overwrite each other: a strong ETag on every
 * single-object read and write answer, `If-Match` honoured by every update and delete
 * (412 precondition_failed on a stale one, `*` for any existing object, absent: the write
 * proceeds as before), checked atomically with the write. Through real sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, storeSnapshot, type AdminTest, type ApiResponse } from './support.js';

const NODE = 'http://127.0.0.1:9';
const PUBLIC = { methods: ['public'] };
const STALE = '"999-0"';

interface Doc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>
  >;
}

describe('admin API: ETag and If-Match', () => {
  let t: AdminTest;
  const ids: Record<string, string> = {};

  const withIfMatch = (method: string, path: string, ifMatch: string | undefined, body?: unknown) =>
    t.call(method, path, {
      bearer: t.adminKey,
      ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
      ...(body === undefined ? {} : { body }),
    });
  const etag = (res: ApiResponse): string => {
    const value = res.headers.get('etag');
    assert.ok(value, `an ETag on ${res.status} ${res.text.slice(0, 80)}`);
    return value;
  };

  before(async () => {
    t = await startAdminTest({ infrastructures: [{ id: 'file-infra', nodes: [NODE] }] });
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await t.admin(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
      return res;
    };
    await must('POST', '/api/v1/groups', { id: 'team' });
    await must('POST', '/api/v1/users', { id: 'ursula', groups: ['team'] });
    await must('POST', '/api/v1/infrastructures', { id: 'inf', nodes: [NODE] });
    await must('POST', '/api/v1/services', { id: 'svc' });
    await must('POST', '/api/v1/services/svc/versions', { id: 'v1', auth: PUBLIC });
    await must('POST', '/api/v1/deployments', {
      id: 'dep',
      service: 'svc',
      version: 'v1',
      infrastructure: 'inf',
    });
    ids.svcKey = String((await must('POST', '/api/v1/services/svc/api-keys', {})).body.id);
    ids.depKey = String((await must('POST', '/api/v1/deployments/dep/api-keys', {})).body.id);
  });
  after(() => t.stop());

  it('answers a strong ETag on reads and writes; a write answer’s ETag is the next read’s', async () => {
    const read = await t.admin('GET', '/api/v1/infrastructures/inf');
    const first = etag(read);
    assert.match(first, /^"[^"]+"$/, 'strong: quoted, no W/');
    assert.equal(etag(await t.admin('GET', '/api/v1/infrastructures/inf')), first, 'stable while unchanged');
    const put = await withIfMatch('PUT', '/api/v1/infrastructures/inf', first, {
      nodes: [NODE],
      stage: 'test',
    });
    assert.equal(put.status, 200, put.text);
    const written = etag(put);
    assert.notEqual(written, first);
    assert.equal(etag(await t.admin('GET', '/api/v1/infrastructures/inf')), written);
    for (const path of [
      '/api/v1/services/svc',
      '/api/v1/services/svc/versions/v1',
      '/api/v1/deployments/dep',
      '/api/v1/groups/team',
      '/api/v1/users/ursula',
      '/api/v1/settings',
      '/api/v1/infrastructures/inf/permissions',
      '/api/v1/services/svc/permissions',
      '/api/v1/infrastructures/file-infra',
    ])
      etag(await t.admin('GET', path));
  });

  it('two writers from the same read: exactly one wins, the other gets 412 and overwrites nothing', async () => {
    const seen = etag(await t.admin('GET', '/api/v1/services/svc'));
    const [a, b] = await Promise.all([
      withIfMatch('PUT', '/api/v1/services/svc', seen, { description: 'from A' }),
      withIfMatch('PUT', '/api/v1/services/svc', seen, { description: 'from B' }),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 412], `${a.text} / ${b.text}`);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    assert.equal(loser.body.error, 'precondition_failed');
    assert.equal(loser.headers.get('etag'), etag(winner), 'the 412 names the current ETag');
    const now = await t.admin('GET', '/api/v1/services/svc');
    assert.equal(now.body.description, winner.body.description);
    assert.equal(etag(now), etag(winner));
  });

  it('a stale If-Match changes nothing; * and no If-Match proceed; a malformed one is 400', async () => {
    const current = etag(await t.admin('GET', '/api/v1/groups/team'));
    const before = await storeSnapshot(t.store);
    for (const stale of [STALE, `W/${current}`, `${STALE}, "1-x"`]) {
      const res = await withIfMatch('PUT', '/api/v1/groups/team', stale, { description: 'lost' });
      assert.equal(res.status, 412, `${stale}: ${res.text}`);
      assert.equal(res.body.error, 'precondition_failed');
    }
    const malformed = await withIfMatch('PUT', '/api/v1/groups/team', 'not-a-tag', { description: 'lost' });
    assert.equal(malformed.status, 400, malformed.text);
    assert.equal(malformed.body.error, 'bad_request');
    assert.equal((await storeSnapshot(t.store)).docs, before.docs, 'the store did not change');
    const listed = await withIfMatch('PUT', '/api/v1/groups/team', `${STALE}, ${current}`, {
      description: 'listed',
    });
    assert.equal(listed.status, 200, 'any listed tag may match');
    assert.equal((await withIfMatch('PUT', '/api/v1/groups/team', '*', { description: 'any' })).status, 200);
    assert.equal(
      (await withIfMatch('PUT', '/api/v1/groups/team', undefined, { description: 'none' })).status,
      200,
    );
    const missing = await withIfMatch('DELETE', '/api/v1/groups/nope', '*');
    assert.equal(missing.status, 404, 'If-Match: * needs an existing object');
  });

  it('every update and delete honours If-Match (the list matches the OpenAPI document)', async () => {
    const calls: [string, string, unknown?][] = [
      ['PUT', '/api/v1/infrastructures/inf', { nodes: [NODE] }],
      ['DELETE', '/api/v1/infrastructures/inf'],
      ['PUT', '/api/v1/infrastructures/inf/permissions', { permissions: {} }],
      ['PUT', '/api/v1/services/svc', { description: 'x' }],
      ['DELETE', '/api/v1/services/svc'],
      ['PUT', '/api/v1/services/svc/permissions', { permissions: {} }],
      ['PUT', '/api/v1/services/svc/versions/v1', { auth: PUBLIC }],
      ['DELETE', '/api/v1/services/svc/versions/v1'],
      ['DELETE', `/api/v1/services/svc/api-keys/${ids.svcKey}`],
      ['PUT', '/api/v1/deployments/dep', { service: 'svc', version: 'v1', infrastructure: 'inf' }],
      ['DELETE', '/api/v1/deployments/dep'],
      ['POST', '/api/v1/deployments/dep/enable'],
      ['POST', '/api/v1/deployments/dep/disable'],
      ['DELETE', `/api/v1/deployments/dep/api-keys/${ids.depKey}`],
      ['PUT', '/api/v1/groups/team', {}],
      ['DELETE', '/api/v1/groups/team'],
      ['PUT', '/api/v1/users/ursula', {}],
      ['DELETE', '/api/v1/users/ursula'],
      ['PUT', '/api/v1/settings', { maximumRefreshTokenLifetimeSec: null, implicitLogin: true }],
      ['PATCH', '/api/v1/settings', { implicitLogin: false }],
    ];
    const doc = (await t.call<Doc>('GET', '/openapi.json')).body;
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => '412' in op.responses)
        .map(([method, op]) => {
          assert.ok(
            op.parameters?.some((p) => p.name === 'If-Match'),
            `${method} ${path} documents If-Match`,
          );
          return `${method.toUpperCase()} ${path}`;
        }),
    );
    const generic = (path: string) =>
      path
        .replace(/\/(inf|svc|dep|team|ursula)(?=\/|$)/, '/{id}')
        .replace('/versions/v1', '/versions/{versionId}')
        .replace(/api-keys\/key-[0-9a-f]+/, 'api-keys/{keyId}');
    assert.deepEqual(calls.map(([m, p]) => `${m} ${generic(p)}`).sort(), documented.sort());

    for (const [method, path, body] of calls) {
      const before = await storeSnapshot(t.store);
      const res = await withIfMatch(method, path, STALE, body);
      assert.equal(res.status, 412, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error, 'precondition_failed', `${method} ${path}`);
      assert.equal((await storeSnapshot(t.store)).docs, before.docs, `${method} ${path}: the store changed`);
    }
  });

  it('a delete with the current ETag goes through', async () => {
    await t.admin('POST', '/api/v1/infrastructures', { id: 'doomed', nodes: [NODE] });
    const current = etag(await t.admin('GET', '/api/v1/infrastructures/doomed'));
    assert.equal((await withIfMatch('DELETE', '/api/v1/infrastructures/doomed', STALE)).status, 412);
    assert.equal((await t.admin('GET', '/api/v1/infrastructures/doomed')).status, 200, 'still there');
    assert.equal((await withIfMatch('DELETE', '/api/v1/infrastructures/doomed', current)).status, 204);
    assert.equal((await t.admin('GET', '/api/v1/infrastructures/doomed')).status, 404);
  });
});
