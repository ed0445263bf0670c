import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { StoreError, StoreUnavailableError } from '../../src/store/errors.js';
import { RedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/types.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { redisCommandWith, startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/async.js';
import { redisOptions } from './redis-fixture.js';

describe('Redis backend behaviour', () => {
  let server: TestRedisServer;
  const stores: Store[] = [];
  /** Two clients on one fresh prefix. */
  const pair = (): [RedisStore, RedisStore] => {
    const options = redisOptions(server);
    const made: [RedisStore, RedisStore] = [
      new RedisStore(options, { clock: new ManualClock() }),
      new RedisStore(options, { clock: new ManualClock() }),
    ];
    stores.push(...made);
    return made;
  };
  before(async () => {
    server = await startRedisServer({ appendOnly: true });
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    await server.stop();
  });

  it('lays keys out under the prefix with physical TTLs as a backstop', async () => {
    const clock = new ManualClock();
    const options = redisOptions(server);
    const store = new RedisStore(options, { clock });
    stores.push(store);
    const p = options.keyPrefix;
    await store.put('c', 'x', { a: 1 }, { ttlMs: 60_000 });
    await store.put('c', 'y', 2);
    await store.increment('k', 30_000);
    const pttl = await server.command('PTTL', `${p}d:c:x`);
    assert.ok(typeof pttl === 'number' && pttl > 0 && pttl <= 60_000, `PTTL ${String(pttl)}`);
    assert.equal(await server.command('PTTL', `${p}d:c:y`), -1);
    assert.deepEqual(await server.command('ZRANGE', `${p}i:c`, 0, -1), ['x', 'y']);
    assert.deepEqual(await server.command('ZRANGE', `${p}x:c`, 0, -1, 'WITHSCORES'), [
      'x',
      String(clock.now() + 60_000),
    ]);
    const counterTtl = await server.command('PTTL', `${p}n:k`);
    assert.ok(typeof counterTtl === 'number' && counterTtl > 0 && counterTtl <= 30_000);
    await store.update('c', 'x', { a: 2 }, { ttlMs: null });
    assert.equal(await server.command('PTTL', `${p}d:c:x`), -1);
    assert.deepEqual(await server.command('ZRANGE', `${p}x:c`, 0, -1), []);
  });

  it('drops expired ids from the collection index lazily', async () => {
    const clock = new ManualClock();
    const options = redisOptions(server);
    const store = new RedisStore(options, { clock });
    stores.push(store);
    for (let i = 0; i < 5; i += 1) await store.create('t', `e${i}`, i, { ttlMs: 1000 });
    await store.create('t', 'keep', 1);
    clock.advance(1000);
    assert.equal(await store.count('t'), 1);
    assert.deepEqual(await server.command('ZRANGE', `${options.keyPrefix}i:t`, 0, -1), ['keep']);
  });

  it('runs scripts again after SCRIPT FLUSH and maps error replies to backend errors', async () => {
    const options = redisOptions(server);
    const store = new RedisStore(options, { clock: new ManualClock() });
    stores.push(store);
    await store.put('c', 'x', 1);
    await server.command('SCRIPT', 'FLUSH');
    assert.equal((await store.put('c', 'x', 2)).revision, 2);
    await server.command('SET', `${options.keyPrefix}i:broken`, 'not a sorted set');
    await assert.rejects(store.list('broken', { limit: 5 }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'backend');
      return true;
    });
  });

  it('redelivers what was published while the subscriber connection was down', async () => {
    const [publisher, subscriber] = pair();
    const got: string[] = [];
    await subscriber.subscribe('revocations', (m) => void got.push(m));
    await publisher.publish('revocations', 'm0');
    await waitFor(() => got.length === 1, 'm0');
    assert.equal(await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
    const sent = Array.from({ length: 20 }, (_, i) => `m${i + 1}`);
    for (const m of sent) await publisher.publish('revocations', m);
    await waitFor(() => got.length >= 21, 'the messages published during the reconnect');
    await publisher.publish('revocations', 'm21');
    await waitFor(() => got.length >= 22, 'm21');
    assert.deepEqual(got, ['m0', ...sent, 'm21']);
  });

  it('tells subscribers to re-read everything once the subscriber connection is back', async () => {
    const [publisher, subscriber] = pair();
    let resyncs = 0;
    const got: string[] = [];
    await subscriber.subscribe('ch', (m) => void got.push(m), { onResync: () => void (resyncs += 1) });
    assert.equal(resyncs, 0);
    assert.ok(Number(await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub')) >= 1);
    await waitFor(() => resyncs === 1, 'a resync after the reconnection');
    await publisher.publish('ch', 'after');
    await waitFor(() => got.includes('after'), 'delivery goes on');
  });

  it('tells subscribers to re-read everything when a notification read fails, and still delivers', async () => {
    const proxy = await startTcpProxy(server.port);
    try {
      const options = redisOptions(server);
      const publisher = new RedisStore(options, { clock: new ManualClock() });
      const subscriber = new RedisStore({ ...options, url: proxy.redisUrl }, { clock: new ManualClock() });
      stores.push(publisher, subscriber);
      let resyncs = 0;
      const got: string[] = [];
      await subscriber.subscribe('ch', (m) => void got.push(m), { onResync: () => void (resyncs += 1) });
      const cut = proxy.dropWhen(redisCommandWith('XRANGE'));
      await publisher.publish('ch', 'm1');
      await cut;
      await waitFor(() => resyncs >= 1, 'a resync after the failed read');
      await waitFor(() => got.includes('m1'), 'the message, read again after the failure', 10_000);
    } finally {
      await proxy.close();
    }
  });

  it('keeps subscriptions and acknowledged data across a redis-server kill -9 and restart', async () => {
    const [publisher, subscriber] = pair();
    const got: string[] = [];
    await subscriber.subscribe('ch', (m) => void got.push(m));
    await publisher.put('c', 'acked', 'yes');
    await server.kill9();
    await assert.rejects(publisher.get('c', 'acked'), StoreUnavailableError);
    await server.restart();
    let value: unknown;
    await waitFor(
      async () =>
        (value = await publisher.get('c', 'acked').then(
          (d) => d?.value,
          () => undefined,
        )) !== undefined,
      'the store to answer after the restart',
      10_000,
      50,
    );
    assert.equal(value, 'yes');
    await publisher.publish('ch', 'after-restart');
    await waitFor(() => got.includes('after-restart'), 'a message after the restart', 10_000);
  });

  it('rejects, without hanging, when no Redis listens', async () => {
    const store = new RedisStore(
      { ...redisOptions(server), url: 'redis://127.0.0.1:1/0', commandTimeoutMs: 300 },
      { clock: new ManualClock() },
    );
    const cluster = new RedisStore(
      { ...redisOptions(server), cluster: [{ host: '127.0.0.1', port: 1 }], commandTimeoutMs: 300 },
      { clock: new ManualClock() },
    );
    stores.push(store, cluster);
    const started = Date.now();
    await assert.rejects(store.health(), StoreUnavailableError);
    await assert.rejects(store.put('c', 'x', 1), StoreUnavailableError);
    await assert.rejects(cluster.health(), StoreUnavailableError);
    await assert.rejects(
      cluster.subscribe('ch', () => undefined),
      StoreUnavailableError,
    );
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });
});
