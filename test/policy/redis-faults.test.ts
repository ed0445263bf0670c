/**
 * Traffic policy under Redis faults, against a real redis-server behind a TCP proxy that
 * can stall (accept bytes, answer nothing): every request still gets an answer within
 * the command timeout, `onStoreError: deny` limits answer 503 (also on OOM and READONLY
 * replies), and failed-credential throttling keeps counting (in this replica) while Redis
 * cannot. A TAT left ahead by Redis's clock stepping back refuses no longer than a full
 * bucket would.
 */
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS } from './fixtures.js';

interface StallProxy {
  readonly url: string;
  stall(on: boolean): void;
  close(): Promise<void>;
}

/**
 * Pipes to Redis; while stalled, holds back what clients send (a Redis that accepts
 * commands and answers nothing), and delivers it in order once released (TCP loses no
 * bytes, so the replies are late, never missing).
 */
async function startStallProxy(targetPort: number): Promise<StallProxy> {
  let stalled = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const target = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(target);
    client.on('data', (chunk: Buffer) => {
      if (stalled) held.push(() => target.write(chunk));
      else target.write(chunk);
    });
    target.on('data', (chunk: Buffer) => client.write(chunk));
    const destroy = (): void => {
      client.destroy();
      target.destroy();
    };
    for (const s of [client, target]) s.on('error', destroy).on('close', destroy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stall: (on) => {
      stalled = on;
      if (!on) for (const deliver of held.splice(0)) deliver();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const TIMEOUT_MS = 300;

describe('traffic policy with a Redis that stalls, errs or steps its clock back', () => {
  let redis: TestRedisServer;
  let proxy: StallProxy;
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const from = (ip: string, key: string, path = `${BASE_PATH}/x`) =>
    send(gh.url, path, { headers: { 'x-forwarded-for': ip, 'x-api-key': key } });

  before(async () => {
    redis = await startRedisServer();
    proxy = await startStallProxy(redis.port);
    upstream = await startUpstream('api');
    const base = apiKeyConfig([upstream.url], { rateLimits: [{ by: 'apiKey', rate: '100/s' }] });
    const strict = {
      id: 'strict',
      service: 'svc',
      version: 'v1',
      infrastructure: 'infra',
      basePath: '/strict',
      rateLimits: [{ by: 'clientIp', rate: '100/s', onStoreError: 'deny' }],
    };
    gh = await startGatehouse({
      ...base,
      deployments: [...(base.deployments as unknown[]), strict],
      store: { type: 'redis', redis: { url: proxy.url, commandTimeoutMs: TIMEOUT_MS } },
      server: {
        dataPlane: {
          trustProxy: ['127.0.0.1'],
          failedCredentials: { maxFailures: 3, slowAfter: 100, windowSec: 600, cooldownSec: 600 },
        },
      },
    });
  });
  after(async () => {
    proxy?.stall(false);
    await gh?.stop();
    await proxy?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it('answers within the command timeout: allow limits fall back, deny limits answer 503', async () => {
    proxy.stall(true);
    const started = performance.now();
    assert.equal((await from('192.0.2.1', KEYS.alice)).status, 200);
    const denied = await from('192.0.2.1', KEYS.alice, '/strict/x');
    assertGatehouseError(denied, 503, 'unavailable');
    assert.equal(denied.headers['retry-after'], '1');
    assert.ok(performance.now() - started < 6 * TIMEOUT_MS, 'no request waits for ever');
    proxy.stall(false);
  });

  it('answers error replies the same way: OOM, READONLY; NOSCRIPT after SCRIPT FLUSH is no fault', async () => {
    assert.equal(await redis.command('SCRIPT', 'FLUSH'), 'OK');
    assert.equal(
      (await from('192.0.2.2', KEYS.alice, '/strict/x')).status,
      200,
      'the script is loaded again',
    );
    for (const [fault, undo] of [
      [
        ['CONFIG', 'SET', 'maxmemory', '1'],
        ['CONFIG', 'SET', 'maxmemory', '0'],
      ],
      [
        ['REPLICAOF', '127.0.0.1', String(redis.port + 1)],
        ['REPLICAOF', 'NO', 'ONE'],
      ],
    ]) {
      assert.equal(await redis.command(...(fault as string[])), 'OK');
      try {
        assertGatehouseError(await from('192.0.2.2', KEYS.alice, '/strict/x'), 503, 'unavailable');
        assert.equal((await from('192.0.2.2', KEYS.alice)).status, 200);
      } finally {
        assert.equal(await redis.command(...(undo as string[])), 'OK');
      }
    }
    assert.equal((await from('192.0.2.2', KEYS.alice, '/strict/x')).status, 200);
  });

  it('a TAT left far ahead by Redis’s clock stepping back counts as an empty bucket, not a day’s wait', async () => {
    const [seconds] = (await redis.command('TIME')) as string[];
    const dayAhead = Number(seconds) * 1000 + 86_400_000;
    await redis.command('SET', 'gatehouse:{gh}:r:dep:apiKey:bob', `${dayAhead}.000`, 'PX', 86_400_000);
    const refused = await from('192.0.2.3', KEYS.bob);
    assertGatehouseError(refused, 429, 'rate_limited');
    assert.equal(refused.headers['retry-after'], '1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await from('192.0.2.3', KEYS.bob)).status, 200, 'one interval (10 ms) later');
  });

  it('keeps throttling refused credentials while Redis does not answer', async () => {
    proxy.stall(true);
    for (let i = 0; i < 3; i++)
      assertGatehouseError(await from('198.51.100.9', `gh_guess_${i}_0000000000`), 401, 'invalid_token');
    assertGatehouseError(await from('198.51.100.9', `gh_guess_9_0000000000`), 429, 'rate_limited');
    proxy.stall(false);
  });
});
