/**
 * Issue #9 §1: a Redis connection cut while a replica reads its control-plane snapshot
 * must not leave a deleted API key accepted. Replica A reaches Redis through a TCP
 * proxy that drops its connection when it sees the snapshot's read of the API-key
 * index (`ZRANGEBYLEX … i:api-keys`); replica B talks to Redis directly.
 *
 * - A follows B's deletion: its read is cut, it re-reads (with backoff) and refuses the key.
 * - A answers a deletion itself and its own re-read is cut once: the 204 comes only
 *   once A refuses the key.
 * - A cannot re-read at all (the proxy refuses reconnections): the answer is 503
 *   `unavailable` saying the change is stored, `/readyz` fails once A is stale for
 *   longer than `store.maxStaleSec`, the staleness gauge shows it, and once the proxy
 *   accepts again A refuses the key and is ready again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { redisCommandWith, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startAdminTest, type AdminTest } from '../control/api/support.js';
import {
  assertRefused,
  createKeyedDeployment,
  deleteKey,
  mintKey,
  untilAccepted,
  untilRefused,
} from './replica-support.js';

const SNAPSHOT_READ = redisCommandWith('ZRANGEBYLEX', 'i:api-keys');
const STALE = 'gatehouse_state_stale_seconds';

describe('a connection cut during a snapshot read loses no revocation', () => {
  let redis: TestRedisServer;
  let proxy: TcpProxy;
  let upstream: TestUpstream;
  let a: AdminTest;
  let b: AdminTest;

  before(async () => {
    redis = await startRedisServer();
    proxy = await startTcpProxy(redis.port);
    upstream = await startUpstream('api');
    a = await startAdminTest({
      store: { type: 'redis', maxStaleSec: 1, redis: { url: proxy.redisUrl, commandTimeoutMs: 1500 } },
    });
    b = await startAdminTest({ store: { type: 'redis', redis: { url: redis.url } } });
    await createKeyedDeployment(b, upstream);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it("re-reads until it has another replica's deletion when its snapshot read is cut", async () => {
    const key = await mintKey(b);
    await untilAccepted(a.gh.url, key);
    const cut = proxy.dropWhen(SNAPSHOT_READ);
    const res = await deleteKey(b, key);
    assert.equal(res.status, 204, res.text);
    await assertRefused(b.gh.url, upstream, key, 'replica B (answered 204):');
    await cut;
    await untilRefused(a.gh.url, key);
    await assertRefused(a.gh.url, upstream, key, 'replica A (read cut):');
    assert.ok(
      ((await readMetric(a.gh.adminUrl, 'gatehouse_state_reads_total', {
        state: 'control',
        result: 'failure',
      })) ?? 0) >= 1,
      'the failed read is counted',
    );
    await waitFor(
      async () => (await readMetric(a.gh.adminUrl, STALE, { state: 'control' })) === 0,
      'replica A is no longer stale',
    );
  });

  it('answers 204 only once its own plan refuses the key when its re-read is cut once', async () => {
    const key = await mintKey(b);
    await untilAccepted(a.gh.url, key);
    const cut = proxy.dropWhen(SNAPSHOT_READ);
    const res = await deleteKey(a, key);
    await cut;
    assert.equal(res.status, 204, res.text);
    await assertRefused(a.gh.url, upstream, key, 'replica A (answered 204):');
    await untilRefused(b.gh.url, key);
    await assertRefused(b.gh.url, upstream, key, 'replica B:');
  });

  it('answers 503 (stored, applies later) when it cannot re-read its write, and applies it once the store is back', async () => {
    const key = await mintKey(b);
    await untilAccepted(a.gh.url, key);
    const cut = proxy.dropWhen(SNAPSHOT_READ, { thenRefuse: true });
    try {
      const res = await deleteKey(a, key);
      await cut;
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error, 'unavailable');
      assert.match(String(res.body.message), /stored/);
      assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
      // B reads Redis directly: the deletion is committed.
      await untilRefused(b.gh.url, key);
      await waitFor(async () => (await send(a.gh.adminUrl, '/readyz')).status === 503, 'A not ready');
      const ready = await send(a.gh.adminUrl, '/readyz');
      assert.match(String(ready.json().reason), /stale/);
      assert.ok(((await readMetric(a.gh.adminUrl, STALE, { state: 'control' })) ?? 0) >= 1);
    } finally {
      proxy.accept();
    }
    await untilRefused(a.gh.url, key);
    await assertRefused(a.gh.url, upstream, key, 'replica A after the store came back:');
    await waitFor(async () => (await send(a.gh.adminUrl, '/readyz')).status === 200, 'A ready again');
    assert.equal(await readMetric(a.gh.adminUrl, STALE, { state: 'control' }), 0);
  });
});
