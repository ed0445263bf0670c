import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createConfigSchema } from '../../src/config/schema.js';
import { createStoreSchema } from '../../src/config/schema-store.js';
import { createStore } from '../../src/store/index.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { tempDir } from './sqlite-fixture.js';

const secrets = (baseDir: string, env: Record<string, string> = {}) => ({ baseDir, env });

describe('store configuration', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('defaults to SQLite in ./data next to the config file', () => {
    const config = createConfigSchema(secrets('/etc/gatehouse')).parse({});
    assert.equal(config.store.type, 'sqlite');
    assert.deepEqual(config.store.sqlite, {
      dataDir: '/etc/gatehouse/data',
      pollIntervalMs: 250,
      busyTimeoutMs: 5000,
      sweepIntervalMs: 60_000,
    });
    assert.equal(config.store.redis.keyPrefix, 'gatehouse:{gh}:');
    assert.equal(config.store.redis.commandTimeoutMs, 2000);
    assert.deepEqual(config.store.auditRetention, {});
  });

  it('resolves a relative dataDir against the config folder and keeps an absolute one', () => {
    const schema = createStoreSchema(secrets('/srv/conf'));
    assert.equal(schema.parse({ sqlite: { dataDir: '../state' } }).sqlite.dataDir, '/srv/state');
    assert.equal(
      schema.parse({ sqlite: { dataDir: '/var/lib/gatehouse' } }).sqlite.dataDir,
      '/var/lib/gatehouse',
    );
  });

  it('accepts Sentinel and Cluster settings and resolves the password reference', () => {
    const schema = createStoreSchema(secrets('/x', { REDIS_PASSWORD: 's3cret' }));
    const sentinel = schema.parse({
      type: 'redis',
      redis: {
        sentinels: [{ host: 's1', port: 26379 }],
        name: 'mymaster',
        password: { env: 'REDIS_PASSWORD' },
      },
    });
    assert.equal(sentinel.redis.password, 's3cret');
    assert.equal(sentinel.redis.name, 'mymaster');
    const cluster = schema.parse({
      type: 'redis',
      redis: { cluster: [{ host: 'n1', port: 7000 }], tls: true },
    });
    assert.deepEqual(cluster.redis.cluster, [{ host: 'n1', port: 7000 }]);
  });

  it('names the key path of every invalid store setting', () => {
    const schema = createStoreSchema(secrets('/x'));
    const paths = (input: unknown) => schema.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths({ type: 'mongo' }), ['type']);
    assert.deepEqual(paths({ redis: { url: 'http://x' } }), ['redis.url']);
    assert.deepEqual(paths({ redis: { cluster: [{ host: 'n', port: 1 }], keyPrefix: 'gh:' } }), [
      'redis.keyPrefix',
    ]);
    assert.deepEqual(paths({ redis: { sentinels: [{ host: 's', port: 1 }] } }), ['redis.name']);
    assert.deepEqual(paths({ redis: { password: { env: 'UNSET_VARIABLE_FOR_TEST' } } }), ['redis.password']);
    assert.deepEqual(paths({ sqlite: { pollIntervalMs: 0 } }), ['sqlite.pollIntervalMs']);
    assert.deepEqual(paths({ sqlite: { unknown: 1 } }), ['sqlite']);
  });

  it('creates a working store of each type from the configuration', async () => {
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server: TestRedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    const schema = createStoreSchema(secrets(dir));
    const clock = new ManualClock();
    for (const input of [
      { type: 'memory' },
      { type: 'sqlite', sqlite: { dataDir: 'state' }, auditRetention: { maxCount: 10 } },
      {
        type: 'redis',
        redis: { url: server.url, keyPrefix: 'cfg:{gh}:' },
        auditRetention: { maxAgeDays: 30 },
      },
    ]) {
      const store = await createStore(schema.parse(input), { clock });
      assert.equal(store.backend, input.type);
      await store.health();
      assert.equal((await store.put('c', 'x', 1)).revision, 1);
      await store.close();
    }
    const reopened = await createStore(schema.parse({ sqlite: { dataDir: join(dir, 'state') } }), { clock });
    assert.equal((await reopened.get('c', 'x'))?.value, 1, 'the SQLite file is where the config says');
    await reopened.close();
  });
});
