/**
 * From the admin API to the data plane without a restart: infrastructure → service →
 * version → deployment → API key, then real requests through the data plane to a real
 * upstream. Each change must show within one second (polled with a deadline).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../helpers/async.js';
import { send, type SimpleResponse } from '../../helpers/http.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { startAdminTest, type AdminTest } from './support.js';

type Obj = Record<string, unknown>;
const API_KEYS_AUTH = { methods: ['apiKeys'], apiKeys: { keys: [] } };

/** Polls the data plane until `expected` status; returns the response and the delay (printed, not asserted). */
async function until(url: string, path: string, headers: Record<string, string>, expected: number) {
  const start = Date.now();
  let res: SimpleResponse | undefined;
  await waitFor(
    async () => (res = await send(url, path, { headers })).status === expected,
    () => `${path}: ${expected} (still ${res?.status ?? 'nothing'}: ${res?.text ?? ''})`,
    5000,
    10,
  );
  if (!res) throw new Error('no response');
  return { res, ms: Date.now() - start };
}

describe('admin API to data plane, end to end', () => {
  let upstream: TestUpstream;
  let t: AdminTest;
  before(async () => {
    upstream = await startUpstream('e2e');
    t = await startAdminTest();
  });
  after(async () => {
    await t.stop();
    await upstream.close();
  });

  it('serves a deployment created through the API with a key created through the API', async () => {
    assert.equal(
      (await t.admin('POST', '/api/v1/infrastructures', { id: 'infra', nodes: [upstream.url] })).status,
      201,
    );
    assert.equal((await t.admin('POST', '/api/v1/services', { id: 'shop' })).status, 201);
    const v = await t.admin('POST', '/api/v1/services/shop/versions', { id: 'v1', auth: API_KEYS_AUTH });
    assert.equal(v.status, 201, v.text);
    const before404 = await send(t.gh.url, '/public/api/v1/shop/items');
    assert.equal(before404.status, 404);
    const d = await t.admin('POST', '/api/v1/deployments', {
      id: 'shop-dev',
      service: 'shop',
      version: 'v1',
      infrastructure: 'infra',
    });
    assert.equal(d.status, 201, d.text);
    const created = await t.admin<Obj>('POST', '/api/v1/deployments/shop-dev/api-keys', { label: 'ci' });
    assert.equal(created.status, 201, created.text);
    const key = String(created.body.key);
    assert.match(key, /^ghk_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.body.prefix, key.slice(0, 8));

    const reached = upstream.requests.length;
    const ok = await until(t.gh.url, '/public/api/v1/shop/items', { authorization: `Bearer ${key}` }, 200);
    console.log(`# API key usable on the data plane after ${ok.ms} ms`);
    assert.equal(upstream.requests.length, reached + 1, 'the upstream was reached');
    assert.equal(upstream.requests.at(-1)?.headers['x-auth-key-id'], created.body.id);
    const basic = await send(t.gh.url, '/public/api/v1/shop/items', {
      headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    });
    assert.equal(basic.status, 200);
    assert.equal(
      (await send(t.gh.url, '/public/api/v1/shop/items', { headers: { 'x-api-key': key } })).status,
      200,
    );
    assert.equal((await send(t.gh.url, '/public/api/v1/shop/items')).status, 401);

    const list = await t.admin<{ items: Obj[] }>('GET', '/api/v1/deployments/shop-dev/api-keys');
    assert.equal(list.body.items.length, 1);
    const [listed] = list.body.items;
    assert.equal(listed?.key, undefined, 'the key is never listed');
    assert.equal(listed?.hash, undefined);
    assert.equal(typeof listed?.lastUsedAt, 'string', 'last use is shown');
    assert.ok(!list.text.includes(key.slice(8)), 'no part of the secret beyond the prefix');

    await t.admin('POST', '/api/v1/deployments/shop-dev/disable');
    const disabled = await until(
      t.gh.url,
      '/public/api/v1/shop/items',
      { authorization: `Bearer ${key}` },
      503,
    );
    assert.equal(disabled.res.json().error, 'deployment_disabled');
    await t.admin('POST', '/api/v1/deployments/shop-dev/enable');
    await until(t.gh.url, '/public/api/v1/shop/items', { authorization: `Bearer ${key}` }, 200);

    const revoked = await t.admin(
      'DELETE',
      `/api/v1/deployments/shop-dev/api-keys/${String(created.body.id)}`,
    );
    assert.equal(revoked.status, 204);
    const denied = await until(
      t.gh.url,
      '/public/api/v1/shop/items',
      { authorization: `Bearer ${key}` },
      401,
    );
    assert.equal(denied.res.json().error, 'invalid_token');
  });

  it('applies service keys to inheriting deployments only, and overrides per deployment', async () => {
    await t.admin('POST', '/api/v1/services', { id: 'maps' });
    await t.admin('POST', '/api/v1/services/maps/versions', { id: 'v1', auth: API_KEYS_AUTH });
    await t.admin('POST', '/api/v1/deployments', {
      id: 'maps-a',
      service: 'maps',
      version: 'v1',
      infrastructure: 'infra',
      basePath: '/maps-a',
    });
    await t.admin('POST', '/api/v1/deployments', {
      id: 'maps-b',
      service: 'maps',
      version: 'v1',
      infrastructure: 'infra',
      basePath: '/maps-b',
      auth: { methods: ['apiKeys'], apiKeys: { header: 'X-Maps-Key', keys: [] } },
    });
    const svcKey = await t.admin<Obj>('POST', '/api/v1/services/maps/api-keys', { label: 'all maps' });
    assert.equal(svcKey.status, 201, svcKey.text);
    const bKey = await t.admin<Obj>('POST', '/api/v1/deployments/maps-b/api-keys', {});
    const bearer = (k: Obj) => ({ authorization: `Bearer ${String(k.key)}` });
    await until(t.gh.url, '/maps-a/x', bearer(svcKey.body), 200);
    assert.equal(
      (await send(t.gh.url, '/maps-b/x', { headers: bearer(svcKey.body) })).status,
      401,
      'override replaces the keys',
    );
    assert.equal(
      (await send(t.gh.url, '/maps-b/x', { headers: { 'x-maps-key': String(bKey.body.key) } })).status,
      200,
    );
    assert.equal(
      (await send(t.gh.url, '/maps-a/x', { headers: bearer(bKey.body) })).status,
      401,
      'a deployment key is its own',
    );
    const wrongScope = await t.admin('DELETE', `/api/v1/deployments/maps-a/api-keys/${String(bKey.body.id)}`);
    assert.equal(wrongScope.status, 404, 'a key is revoked through its own deployment');
    await t.admin('DELETE', '/api/v1/deployments/maps-b');
    assert.equal(
      (await send(t.gh.url, '/maps-b/x', { headers: { 'x-maps-key': String(bKey.body.key) } })).status,
      404,
    );
    const keys = await t.admin<{ items: Obj[] }>('GET', '/api/v1/deployments/maps-b/api-keys');
    assert.equal(keys.status, 404, 'the deployment and its keys are gone');
  });

  it('drops no traffic while the plan is rebuilt for other changes', async () => {
    await t.admin('POST', '/api/v1/services/shop/versions', { id: 'open', auth: { methods: ['public'] } });
    await t.admin('POST', '/api/v1/deployments', {
      id: 'steady',
      service: 'shop',
      version: 'open',
      infrastructure: 'infra',
      basePath: '/steady',
    });
    let running = true;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (running) statuses.push((await send(t.gh.url, '/steady/x')).status);
    })();
    for (let i = 0; i < 5; i += 1) {
      await t.admin('POST', '/api/v1/deployments', {
        id: `churn-${i}`,
        service: 'shop',
        version: 'open',
        infrastructure: 'infra',
        basePath: `/churn-${i}`,
      });
      await t.admin('POST', `/api/v1/deployments/churn-${i}/api-keys`, {});
      await t.admin('DELETE', `/api/v1/deployments/churn-${i}`);
    }
    running = false;
    await traffic;
    assert.ok(statuses.length >= 5, `${statuses.length} requests`);
    assert.deepEqual([...new Set(statuses)], [200]);
  });
});
