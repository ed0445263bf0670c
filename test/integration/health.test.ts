import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

type HealthMode = 'ok' | 'fail' | 'stall';

const HEALTH_CHECK = {
  path: '/health',
  intervalMs: 100,
  timeoutMs: 200,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};

describe('active health checks', () => {
  const mode: Record<string, HealthMode> = { a: 'ok', b: 'ok' };
  let a: TestUpstream;
  let b: TestUpstream;

  function handler(name: string) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      req.resume();
      if (req.url !== '/health') return void res.end(name);
      switch (mode[name] ?? 'ok') {
        case 'ok':
          res.end('healthy');
          break;
        case 'fail':
          res.writeHead(500).end('broken');
          break;
        case 'stall':
          break; // never answers
      }
    };
  }

  before(async () => {
    a = await startUpstream('a', handler('a'));
    b = await startUpstream('b', handler('b'));
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const traffic = (u: TestUpstream): number => u.requests.filter((r) => r.url !== '/health').length;
  const probes = (u: TestUpstream): number => u.requests.filter((r) => r.url === '/health').length;

  async function start(): Promise<TestGatehouse> {
    mode.a = 'ok';
    mode.b = 'ok';
    return startGatehouse(
      publicDeployment([a.url, b.url], {
        infrastructure: { healthCheck: HEALTH_CHECK },
        deployment: { basePath: '/api' },
      }),
    );
  }

  function healthy(gh: TestGatehouse, node: TestUpstream): Promise<number | undefined> {
    return readMetric(gh.adminUrl, 'gatehouse_upstream_node_healthy', {
      infrastructure: 'infra',
      node: node.url,
    });
  }

  async function spread(gh: TestGatehouse, count: number): Promise<[number, number]> {
    const before: [number, number] = [traffic(a), traffic(b)];
    for (let i = 0; i < count; i++) {
      const res = await send(gh.url, '/api/x');
      assert.equal(res.status, 200);
    }
    return [traffic(a) - before[0], traffic(b) - before[1]];
  }

  it('probes every node on its path and keeps healthy nodes in rotation', async () => {
    const gh = await start();
    try {
      await waitFor(() => probes(a) >= 2 && probes(b) >= 2, 'probes on both nodes');
      const probe = a.requests.find((r) => r.url === '/health');
      assert.equal(probe?.method, 'GET');
      assert.equal(probe?.headers['user-agent'], 'gatehouse-health-check');
      assert.equal(await healthy(gh, a), 1);
      assert.equal(await healthy(gh, b), 1);
      assert.deepEqual(await spread(gh, 10), [5, 5]);
    } finally {
      await gh.stop();
    }
  });

  it('marks a node down when /health answers 500, routes around it, and brings it back when it recovers', async () => {
    const gh = await start();
    try {
      await waitFor(() => probes(a) >= 1, 'first probe');
      mode.a = 'fail';
      await waitFor(async () => (await healthy(gh, a)) === 0, 'node a marked down', 5000);
      assert.equal(await healthy(gh, b), 1);
      assert.deepEqual(await spread(gh, 10), [0, 10], 'traffic avoids the down node');
      await waitFor(
        () =>
          gh.log.lines.some(
            (l) => l.msg === 'upstream node failed its health checks' && l.node === a.url && l.status === 500,
          ),
        'log line for the down node',
      );
      mode.a = 'ok';
      await waitFor(async () => (await healthy(gh, a)) === 1, 'node a back up', 5000);
      assert.deepEqual(await spread(gh, 10), [5, 5], 'both nodes serve again, alternately');
      await waitFor(
        () => gh.log.lines.some((l) => l.msg === 'upstream node is healthy again' && l.node === a.url),
        'log line for the recovered node',
      );
    } finally {
      await gh.stop();
    }
  });

  it('marks a node down when its health endpoint stalls past timeoutMs', async () => {
    const gh = await start();
    try {
      await waitFor(() => probes(b) >= 1, 'first probe');
      mode.b = 'stall';
      await waitFor(async () => (await healthy(gh, b)) === 0, 'node b marked down', 5000);
      assert.deepEqual(await spread(gh, 6), [6, 0], 'traffic avoids the stalled node');
      const line = gh.log.lines.find(
        (l) => l.msg === 'upstream node failed its health checks' && l.node === b.url,
      );
      assert.ok(line, 'a log line names the node');
      assert.equal(line.status, undefined, 'no status: the probe timed out');
      assert.equal(typeof line.error, 'string');
      mode.b = 'ok';
      await waitFor(async () => (await healthy(gh, b)) === 1, 'node b back up', 5000);
    } finally {
      await gh.stop();
    }
  });

  it('answers 503 no_healthy_node when every node fails its checks', async () => {
    const gh = await start();
    try {
      mode.a = 'fail';
      mode.b = 'fail';
      await waitFor(
        async () => (await healthy(gh, a)) === 0 && (await healthy(gh, b)) === 0,
        'both nodes down',
        5000,
      );
      const before = [traffic(a), traffic(b)];
      const res = await send(gh.url, '/api/x');
      assert.equal(res.status, 503);
      assert.equal(res.json().error, 'no_healthy_node');
      assert.deepEqual([traffic(a), traffic(b)], before, 'no upstream reached');
    } finally {
      mode.a = 'ok';
      mode.b = 'ok';
      await gh.stop();
    }
  });
});
