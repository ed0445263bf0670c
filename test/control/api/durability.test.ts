/**
 * Nothing acknowledged is lost: a Gatehouse child process answers 201, is killed with
 * SIGKILL, and a new process on the same store still has the object and serves traffic
 * with it. Once on a SQLite file, once on Redis with AOF (`appendfsync always`), the
 * Redis server being SIGKILLed and restarted too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/clock.js';
import { createStoreSchema } from '../../../src/config/schema-store.js';
import { createAdminKey } from '../../../src/control/repository/admin-keys.js';
import { createStore } from '../../../src/store/index.js';
import { send } from '../../helpers/http.js';
import { startGatehouseProcess, type GatehouseProcess } from '../../helpers/process.js';
import { startRedisServer, type TestRedisServer } from '../../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { request } from './support.js';

type StoreObject = Record<string, unknown>;

async function adminKeyIn(store: StoreObject): Promise<string> {
  const config = createStoreSchema({ baseDir: tmpdir(), env: {} }).parse(store);
  const opened = await createStore(config, { clock: systemClock });
  try {
    await opened.health();
    return (await createAdminKey(opened, systemClock, 'durability')).key;
  } finally {
    await opened.close();
  }
}

async function killed(p: GatehouseProcess): Promise<void> {
  p.child.kill('SIGKILL');
  const exit = await p.exited;
  assert.equal(exit.signal, 'SIGKILL');
}

function durabilitySuite(
  name: string,
  setup: () => Promise<{ store: StoreObject; crash?: () => Promise<void> }>,
): void {
  describe(`durability on ${name}`, () => {
    let upstream: TestUpstream;
    const processes: GatehouseProcess[] = [];
    before(async () => {
      upstream = await startUpstream('durable');
    });
    after(async () => {
      for (const p of processes.reverse()) await p.stop();
      await upstream.close();
    });

    it('keeps an acknowledged create across SIGKILL and serves traffic with it after a restart', async () => {
      const { store, crash } = await setup();
      const key = await adminKeyIn(store);
      const config = { store, logging: { level: 'info', accessLog: false } };
      const first = await startGatehouseProcess(config);
      processes.push(first);
      const admin = (method: string, path: string, body?: unknown) =>
        request<StoreObject>(first.adminUrl, method, path, {
          bearer: key,
          ...(body === undefined ? {} : { body }),
        });
      assert.equal(
        (await admin('POST', '/api/v1/infrastructures', { id: 'inf', nodes: [upstream.url] })).status,
        201,
      );
      assert.equal((await admin('POST', '/api/v1/services', { id: 'svc' })).status, 201);
      const auth = { methods: ['apiKeys'], apiKeys: { keys: [] } };
      assert.equal((await admin('POST', '/api/v1/services/svc/versions', { id: 'v1', auth })).status, 201);
      const dep = { id: 'dep', service: 'svc', version: 'v1', infrastructure: 'inf', basePath: '/svc' };
      assert.equal((await admin('POST', '/api/v1/deployments', dep)).status, 201);
      const created = await admin('POST', '/api/v1/deployments/dep/api-keys', { label: 'durable' });
      assert.equal(created.status, 201);
      await killed(first);
      await crash?.();

      const second = await startGatehouseProcess(config);
      processes.push(second);
      const read = await request<StoreObject>(second.adminUrl, 'GET', '/api/v1/deployments/dep', {
        bearer: key,
      });
      assert.equal(read.status, 200, read.text);
      const reached = upstream.requests.length;
      const res = await send(second.url, '/svc/x', {
        headers: { authorization: `Bearer ${String(created.body.key)}` },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(upstream.requests.length, reached + 1);
    });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-durable-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
durabilitySuite('SQLite', () => Promise.resolve({ store: { type: 'sqlite', sqlite: { dataDir } } }));

let redis: TestRedisServer | undefined;
after(() => redis?.stop());
durabilitySuite('Redis with AOF', async () => {
  redis = await startRedisServer({ appendOnly: true });
  const server = redis;
  return {
    store: { type: 'redis', redis: { url: server.url } },
    crash: async () => {
      await server.kill9();
      await server.restart();
    },
  };
});
