/**
 * Redis durability against real redis-servers (issue #8): Gatehouse refuses to start on
 * a Redis without AOF (naming the setting; nothing written), starts with a loud warning
 * and `gatehouse_store_durable 0` when told to, reads the settings through INFO when
 * CONFIG is disabled, reports durability 1 with `appendfsync always` (Redis 7.0 here: it
 * fsyncs before replying, so nothing is waited for), and with everysec plus a replica
 * makes each write wait for the replica (WAIT) — failing with StoreNotPersistedError,
 * the write applied, when the replica is gone.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { createStoreSchema } from '../../src/config/schema-store.js';
import { createLogger } from '../../src/observability/log.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
import { StoreNotDurableError, StoreNotPersistedError } from '../../src/store/errors.js';
import { createStore } from '../../src/store/index.js';
import { RedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from '../helpers/async.js';
import { CapturedLog, startGatehouse } from '../helpers/gatehouse.js';
import { readMetric, metricValue } from '../helpers/metrics.js';
import { startRedisServer, type RedisServerOptions, type TestRedisServer } from '../helpers/redis-server.js';
import { redisOptions } from './redis-fixture.js';

const servers: TestRedisServer[] = [];
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  for (const s of servers.reverse()) await s.stop();
});

async function server(options: RedisServerOptions): Promise<TestRedisServer> {
  const started = await startRedisServer(options);
  servers.push(started);
  return started;
}

async function open(url: string, redis: Record<string, unknown> = {}) {
  const log = new CapturedLog();
  const metrics = new GatehouseMetrics({ defaultMetrics: false });
  const config = createStoreSchema({ baseDir: '.', env: {} }).parse({
    type: 'redis',
    redis: { url, commandTimeoutMs: 1000, ...redis },
  });
  const ctx = { clock: systemClock, logger: createLogger('info', log.stream), metrics };
  const durable = async (): Promise<number | undefined> =>
    metricValue(await metrics.registry.metrics(), 'gatehouse_store_durable');
  try {
    const store = await createStore(config, ctx);
    stores.push(store);
    return { store, log, durable };
  } catch (err) {
    return { error: err, log, durable };
  }
}

describe('Redis durability at start', () => {
  it('refuses a Redis without AOF, naming appendonly and requireDurability, writing nothing', async () => {
    const redis = await server({ appendOnly: false });
    const { error } = await open(redis.url);
    assert.ok(error instanceof StoreNotDurableError, String(error));
    assert.match(error.message, /appendonly is "no"/);
    assert.match(error.message, /requireDurability: false/);
    assert.equal(await redis.command('DBSIZE'), 0, 'nothing was written');
  });

  it('refuses it at Gatehouse start too', async () => {
    const redis = await server({ appendOnly: false });
    await assert.rejects(
      startGatehouse({ store: { type: 'redis', redis: { url: redis.url } } }),
      (err: unknown) => err instanceof StoreNotDurableError && /appendonly/.test(err.message),
    );
    assert.equal(await redis.command('DBSIZE'), 0, 'nothing was written');
  });

  it('starts with a loud warning and gatehouse_store_durable 0 when requireDurability is false', async () => {
    const redis = await server({ appendOnly: false });
    const gh = await startGatehouse({
      store: { type: 'redis', redis: { url: redis.url, requireDurability: false } },
    });
    try {
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_store_durable'), 0);
      const warning = gh.log.lines.find((l) => String(l.msg).startsWith('REDIS IS NOT DURABLE'));
      assert.ok(warning, 'a loud log line');
      assert.equal(warning.level, 'error');
      assert.match(String(warning.msg), /appendonly/);
    } finally {
      await gh.stop();
    }
  });

  it('reports durable 1 with appendfsync always and waits for nothing', async () => {
    const redis = await server({ appendFsync: 'always' });
    const opened = await open(redis.url);
    assert.ok(opened.store, String(opened.error));
    assert.equal(await opened.durable(), 1);
    assert.ok(
      opened.log.lines.some((l) => l.msg === 'Redis persists every write before Gatehouse acknowledges it'),
    );
    await opened.store.put('c', 'x', 1);
    assert.equal(await redis.command('GET', 'gatehouse:{gh}:durability'), null, 'no WAIT round was needed');
  });

  it('names the loss window of everysec on Redis 7.0 without replicas (durable 0)', async () => {
    const redis = await server({ appendFsync: 'everysec' });
    const opened = await open(redis.url);
    assert.ok(opened.store, String(opened.error));
    assert.equal(await opened.durable(), 0);
    const warning = opened.log.lines.find((l) => String(l.msg).startsWith('REDIS IS NOT DURABLE'));
    assert.match(String(warning?.msg), /everysec/);
  });

  it('reads INFO persistence when CONFIG is disabled', async () => {
    const withAof = await server({ extraArgs: ['--rename-command', 'CONFIG', '""'] });
    assert.ok((await withAof.command('CONFIG', 'GET', 'appendonly')) instanceof Error, 'CONFIG is disabled');
    const opened = await open(withAof.url);
    assert.ok(opened.store, String(opened.error));
    const withoutAof = await server({ appendOnly: false, extraArgs: ['--rename-command', 'CONFIG', '""'] });
    const { error } = await open(withoutAof.url);
    assert.ok(error instanceof StoreNotDurableError, String(error));
    assert.match(error.message, /INFO persistence/);
  });
});

describe('Redis durability with a replica (WAIT)', () => {
  it('answers a write once the replica has it, and fails it (applied) when the replica is gone', async () => {
    const primary = await server({ appendFsync: 'everysec' });
    const replica = await server({
      appendFsync: 'everysec',
      extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)],
    });
    await waitFor(
      async () => String(await replica.command('INFO', 'replication')).includes('master_link_status:up'),
      'the replica is in sync',
      10_000,
    );
    const metrics = new GatehouseMetrics({ defaultMetrics: false });
    const options = { ...redisOptions(primary), commandTimeoutMs: 1000 };
    const store = new RedisStore(options, { clock: systemClock, metrics });
    stores.push(store);
    assert.deepEqual((await store.checkDurability()).wait, { kind: 'wait', replicas: 1 });
    await store.put('c', 'x', { v: 1 });
    assert.notEqual(
      await replica.command('HGET', `${options.keyPrefix}d:c:x`, 'v'),
      null,
      'the replica has the write when put() resolves',
    );
    assert.ok(
      Number(await primary.command('GET', `${options.keyPrefix}durability`)) >= 1,
      'a WAIT round ran',
    );

    await replica.kill9();
    await waitFor(
      async () => String(await primary.command('INFO', 'replication')).includes('connected_slaves:0'),
      'the primary has lost its replica',
    );
    await assert.rejects(store.delete('c', 'x'), StoreNotPersistedError);
    assert.equal(await primary.command('EXISTS', `${options.keyPrefix}d:c:x`), 0, 'the delete was applied');
  });
});
