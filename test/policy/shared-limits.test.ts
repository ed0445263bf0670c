/**
 * Limits shared across replicas (issue #12): two Gatehouse processes on one real Redis.
 * One API key's burst is enforced exactly once across both (the Lua GCRA is atomic and
 * uses Redis's clock: documented overshoot 0). Redis killed: `onStoreError: allow`
 * limits fall back to each replica's own GCRA, `deny` limits answer 503. Redis restarted:
 * the shared state (persisted with the AOF) applies again on both. Failed credentials
 * counted on both replicas add up to one block.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { send } from '../helpers/http.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/process.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS } from './fixtures.js';

const BURST = 20;

describe('rate limits shared by two replicas on one Redis', () => {
  let redis: TestRedisServer;
  let upstream: TestUpstream;
  let a: GatehouseProcess;
  let b: GatehouseProcess;

  before(async () => {
    redis = await startRedisServer();
    upstream = await startUpstream('api');
    const base = apiKeyConfig([upstream.url], {
      rateLimits: [{ by: 'apiKey', rate: '1/h', burst: BURST }],
    });
    const strict = {
      id: 'strict',
      service: 'svc',
      version: 'v1',
      infrastructure: 'infra',
      basePath: '/strict',
      rateLimits: [{ by: 'apiKey', rate: '1000/s', onStoreError: 'deny' }],
    };
    const config = {
      ...base,
      deployments: [...(base.deployments as unknown[]), strict],
      store: { type: 'redis', redis: { url: redis.url, commandTimeoutMs: 500 } },
      server: {
        dataPlane: {
          trustProxy: ['127.0.0.1'],
          failedCredentials: { maxFailures: 4, slowAfter: 100, windowSec: 600, cooldownSec: 600 },
        },
      },
      logging: { level: 'info', accessLog: false },
    };
    [a, b] = await Promise.all([startGatehouseProcess(config), startGatehouseProcess(config)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
    await redis?.stop();
  });

  const get = (replica: GatehouseProcess, path: string, key: string, ip = '192.0.2.1') =>
    send(replica.url, path, { headers: { 'x-api-key': key, 'x-forwarded-for': ip } });

  it('enforces one burst across both replicas, requests racing on both', async () => {
    const answers = await Promise.all(
      Array.from({ length: 2 * BURST }, (_, i) => get(i % 2 === 0 ? a : b, `${BASE_PATH}/x`, KEYS.alice)),
    );
    const allowed = answers.filter((r) => r.status === 200).length;
    assert.equal(allowed, BURST, 'exactly the burst, whichever replica answered');
    for (const r of answers.filter((x) => x.status !== 200)) assertGatehouseError(r, 429, 'rate_limited');
    // Both replicas agree now.
    assert.equal((await get(a, `${BASE_PATH}/x`, KEYS.alice)).status, 429);
    assert.equal((await get(b, `${BASE_PATH}/x`, KEYS.alice)).status, 429);
  });

  it('adds up refused credentials from both replicas into one block', async () => {
    const bad = (replica: GatehouseProcess, i: number) =>
      get(replica, `${BASE_PATH}/x`, `gh_guess_${i}_00000000000`, '198.51.100.77');
    assertGatehouseError(await bad(a, 1), 401, 'invalid_token');
    assertGatehouseError(await bad(b, 2), 401, 'invalid_token');
    assertGatehouseError(await bad(a, 3), 401, 'invalid_token');
    assertGatehouseError(await bad(b, 4), 401, 'invalid_token'); // the 4th, counted in Redis: b blocks
    assertGatehouseError(await get(b, `${BASE_PATH}/x`, KEYS.bob, '198.51.100.77'), 429, 'rate_limited');
    assertGatehouseError(await bad(a, 5), 401, 'invalid_token'); // a learns from its own count (5 >= 4)
    assertGatehouseError(await get(a, `${BASE_PATH}/x`, KEYS.bob, '198.51.100.77'), 429, 'rate_limited');
  });

  it('Redis killed: allow limits use each replica’s own limiter, deny limits answer 503; restarted: shared again', async () => {
    await redis.kill9();
    // allow: alice's shared bucket is empty, but each replica now counts on its own.
    assert.equal((await get(a, `${BASE_PATH}/x`, KEYS.alice)).status, 200);
    assert.equal((await get(b, `${BASE_PATH}/x`, KEYS.alice)).status, 200);
    assertGatehouseError(await get(a, '/strict/x', KEYS.bob), 503, 'unavailable');
    assertGatehouseError(await get(b, '/strict/x', KEYS.bob), 503, 'unavailable');
    await redis.restart();
    await waitFor(
      async () => (await get(a, '/strict/x', KEYS.bob)).status === 200,
      'replica a reaching Redis again',
      15_000,
    );
    await waitFor(
      async () => (await get(b, '/strict/x', KEYS.bob)).status === 200,
      'replica b reaching Redis again',
      15_000,
    );
    // The shared state survived in the AOF: alice is refused on both replicas again.
    assertGatehouseError(await get(a, `${BASE_PATH}/x`, KEYS.alice), 429, 'rate_limited');
    assertGatehouseError(await get(b, `${BASE_PATH}/x`, KEYS.alice), 429, 'rate_limited');
  });
});
