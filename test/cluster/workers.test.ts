/**
 * `server.workers: 2` with real processes: a primary and two workers of `gatehouse
 * start` sharing the data-plane and admin ports, on one SQLite file that an in-process
 * Gatehouse (the "admin" replica) also uses. Both workers serve; SIGHUP to the primary
 * reloads both; an API key deleted through the admin API is refused by both; a killed
 * worker is restarted and counted; SIGTERM drains every worker and the primary exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startAdminTest, type AdminTest } from '../control/api/support.js';
import type { ConfigObject } from '../helpers/gatehouse.js';

const WORKERS = 2;
/** Fresh connections per check: the cluster hands connections to the workers in turn. */
const CONNECTIONS = 8;

function workerPids(primaryPid: number): number[] {
  const text = readFileSync(`/proc/${primaryPid}/task/${primaryPid}/children`, 'utf8');
  return text
    .split(' ')
    .filter((s) => s.trim() !== '')
    .map(Number);
}

describe('server.workers: 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
  const store = { type: 'sqlite', sqlite: { dataDir: dir } };
  let upstream: TestUpstream;
  let admin: AdminTest;
  let gh: GatehouseProcess;

  const config = (version: string): ConfigObject => ({
    server: { workers: WORKERS },
    store,
    logging: { level: 'info', accessLog: true },
    infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
    services: [{ id: 'pub', versions: [{ id: version, auth: { methods: ['public'] } }] }],
    deployments: [{ id: 'pub', service: 'pub', version, infrastructure: 'infra', basePath: '/pub' }],
  });

  /** Statuses of CONNECTIONS requests, each on its own connection. */
  const statuses = async (path: string, headers: Record<string, string> = {}): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < CONNECTIONS; i++) out.push((await send(gh.url, path, { headers })).status);
    return out;
  };
  const accessWorkers = (): Set<unknown> =>
    new Set(gh.lines.filter((l) => l.log === 'access').map((l) => l.worker));

  before(async () => {
    upstream = await startUpstream('api');
    admin = await startAdminTest({ store });
    gh = await startGatehouseProcess(config('v1'));
    await waitFor(
      () => gh.lines.filter((l) => l.msg === 'gatehouse listening').length === WORKERS,
      'both workers listening',
      30_000,
    );
  });
  after(async () => {
    await gh?.stop();
    await admin?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs two workers that both serve the data plane', async () => {
    assert.equal(workerPids(gh.pid).length, WORKERS);
    assert.deepEqual(await statuses('/pub/x'), Array(CONNECTIONS).fill(200));
    await waitFor(() => accessWorkers().size === WORKERS, 'access lines of both workers', 5000);
    assert.deepEqual([...accessWorkers()].sort(), [1, 2]);
  });

  it('relays SIGHUP to every worker: both reload', async () => {
    gh.writeConfig(config('v2'));
    const reloads = (): number => gh.lines.filter((l) => l.msg === 'configuration reloaded').length;
    const before = reloads();
    process.kill(gh.pid, 'SIGHUP');
    await waitFor(() => reloads() >= before + WORKERS, 'a reload line from each worker', 10_000);
    assert.deepEqual(await statuses('/pub/x'), Array(CONNECTIONS).fill(200));
  });

  it('refuses on every worker an API key deleted through the admin API', async () => {
    await admin.admin('POST', '/api/v1/infrastructures', { id: 'managed', nodes: [upstream.url] });
    await admin.admin('POST', '/api/v1/services', { id: 'svc' });
    await admin.admin('POST', '/api/v1/services/svc/versions', {
      id: 'v1',
      auth: { methods: ['apiKeys'], apiKeys: { keys: [] } },
    });
    const dep = await admin.admin('POST', '/api/v1/deployments', {
      id: 'dep',
      service: 'svc',
      version: 'v1',
      infrastructure: 'managed',
      basePath: '/svc',
    });
    assert.equal(dep.status, 201, dep.text);
    const key = await admin.admin('POST', '/api/v1/deployments/dep/api-keys', {});
    const auth = { authorization: `Bearer ${String(key.body.key)}` };
    await waitFor(
      async () => (await statuses('/svc/x', auth)).every((s) => s === 200),
      'the key on every worker',
      5000,
    );
    const reached = upstream.requests.length;
    await admin.admin('DELETE', `/api/v1/deployments/dep/api-keys/${String(key.body.id)}`);
    await waitFor(
      async () => (await statuses('/svc/x', auth)).every((s) => s === 401),
      'the revocation on every worker',
      5000,
    );
    const count = upstream.requests.length;
    assert.deepEqual(await statuses('/svc/x', auth), Array(CONNECTIONS).fill(401));
    assert.equal(upstream.requests.length, count, 'the upstream was not reached with the deleted key');
    assert.ok(count > reached);
  });

  it('restarts a killed worker, says so in the log and in /metrics (summed over the workers)', async () => {
    const [victim] = workerPids(gh.pid);
    assert.ok(victim !== undefined);
    process.kill(victim, 'SIGKILL');
    await waitFor(
      () => gh.lines.some((l) => l.msg === 'worker exited unexpectedly: starting a new one'),
      'the restart log line',
      5000,
    );
    await waitFor(
      () => {
        const pids = workerPids(gh.pid);
        return pids.length === WORKERS && !pids.includes(victim);
      },
      'a new worker',
      10_000,
    );
    await waitFor(async () => (await send(gh.adminUrl, '/readyz')).status === 200, 'ready', 10_000);
    await waitFor(
      async () => (await readMetric(gh.adminUrl, 'gatehouse_worker_restarts_total')) === 1,
      'gatehouse_worker_restarts_total 1',
      10_000,
    );
    assert.equal(await readMetric(gh.adminUrl, 'gatehouse_workers'), WORKERS);
    assert.deepEqual(await statuses('/pub/x'), Array(CONNECTIONS).fill(200));
  });

  it('SIGTERM drains every worker, then the primary exits 0', async () => {
    const pids = workerPids(gh.pid);
    const exit = await gh.stop(15_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'worker gone');
    assert.ok(gh.lines.some((l) => l.msg === 'every worker has stopped'));
  });
});
