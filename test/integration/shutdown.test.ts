import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { deferred, waitFor } from '../helpers/async.js';
import { publicDeployment, startGatehouse } from '../helpers/gatehouse.js';
import { requestOutcome, send } from '../helpers/http.js';
import { startGatehouseProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

function config(upstream: TestUpstream, shutdown: Record<string, number>) {
  return {
    ...publicDeployment([upstream.url], { deployment: { basePath: '/api' } }),
    server: { shutdown },
  };
}

async function expectRefused(url: string): Promise<void> {
  const outcome = await send(url, '/api/x').then(
    (res) => `answered ${res.status}`,
    (err: NodeJS.ErrnoException) => String(err.code),
  );
  assert.equal(outcome, 'ECONNREFUSED', 'new connections are refused');
}

describe('graceful shutdown', () => {
  let upstream: TestUpstream;
  /** Requests to /api/forever that the upstream saw close before it answered. */
  let foreverClosed = deferred();

  before(async () => {
    upstream = await startUpstream('u', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.url?.startsWith('/api/slow')) setTimeout(() => res.end('slow done'), 500);
      else if (req.url?.startsWith('/api/forever')) res.on('close', () => foreverClosed.resolve());
      else res.end('fast');
    });
  });
  after(async () => {
    await upstream.close();
  });

  it('drains: readiness fails at once, new connections are refused, the in-flight request completes', async () => {
    const gh = await startGatehouse(config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 5000 }));
    try {
      assert.equal((await send(gh.adminUrl, '/readyz')).status, 200);
      const before = upstream.requests.length;
      const inFlight = send(gh.url, '/api/slow');
      await waitFor(() => upstream.requests.length === before + 1, 'the slow request upstream');
      let stopResolved = false;
      const stopped = gh.gatehouse.stop().then(() => (stopResolved = true));

      const ready = await send(gh.adminUrl, '/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.json(), { status: 'not_ready', reason: 'draining' });
      await expectRefused(gh.url);
      assert.equal(upstream.requests.length, before + 1, 'nothing new reached the upstream');
      assert.equal(stopResolved, false, 'stop() waits for the in-flight request');

      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.text, 'slow done');
      await stopped;
      assert.ok(gh.log.lines.some((l) => l.msg === 'shutting down' && l.inFlight === 1));
      assert.ok(gh.log.lines.some((l) => l.msg === 'stopped'));
      assert.ok(!gh.log.lines.some((l) => l.msg === 'drain deadline reached; closing remaining connections'));
      await expectRefused(gh.adminUrl);
    } finally {
      await gh.stop();
    }
  });

  it('readinessDelayMs: readiness fails first while the listener still serves (with Connection: close)', async () => {
    const gh = await startGatehouse(config(upstream, { readinessDelayMs: 400, drainTimeoutMs: 2000 }));
    try {
      const stopped = gh.gatehouse.stop();
      assert.equal((await send(gh.adminUrl, '/readyz')).status, 503);
      const before = upstream.requests.length;
      const during = await send(gh.url, '/api/during-delay');
      assert.equal(during.status, 200);
      assert.equal(during.text, 'fast');
      assert.equal(during.headers.connection, 'close');
      assert.equal(upstream.requests.length, before + 1);
      await stopped;
      await expectRefused(gh.url);
    } finally {
      await gh.stop();
    }
  });

  it('closes idle keep-alive connections at once', async () => {
    const gh = await startGatehouse(config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 2000 }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = new URL(gh.url).port;
      const socketClosed = deferred();
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/x', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('socket', (socket: Socket) => socket.once('close', () => socketClosed.resolve()));
        req.on('error', reject);
        req.end();
      });
      await gh.gatehouse.stop();
      await socketClosed.promise;
    } finally {
      agent.destroy();
      await gh.stop();
    }
  });

  it('a request that outlives drainTimeoutMs: stop() resolves at the deadline and the connection is closed', async () => {
    foreverClosed = deferred();
    const gh = await startGatehouse(config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 300 }));
    try {
      const before = upstream.requests.length;
      const outcome = requestOutcome(gh.url, '/api/forever');
      await waitFor(() => upstream.requests.length === before + 1, 'the endless request upstream');
      await gh.gatehouse.stop();
      const result = await outcome;
      assert.equal(result.status, 0, 'no answer was sent');
      assert.equal(result.outcome, 'aborted');
      assert.match(String(result.error), /ECONNRESET|socket hang up/);
      await foreverClosed.promise; // the upstream request was cancelled too
      assert.ok(gh.log.lines.some((l) => l.msg === 'drain deadline reached; closing remaining connections'));
    } finally {
      await gh.stop();
    }
  });

  it('closes upgraded WebSocket connections after the drain', async () => {
    const wsUpstream = await startUpstream('ws');
    const wss = new WebSocketServer({ server: wsUpstream.server });
    const gh = await startGatehouse({
      ...publicDeployment([wsUpstream.url], { deployment: { basePath: '/ws' } }),
      server: { shutdown: { drainTimeoutMs: 1000 } },
    });
    try {
      const ws = new WebSocket(gh.url.replace(/^http/, 'ws') + '/ws/chat');
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const closed = deferred<number>();
      ws.once('close', (code: number) => closed.resolve(code));
      await gh.gatehouse.stop();
      assert.equal(await closed.promise, 1006, 'the connection was cut');
    } finally {
      await gh.stop();
      wss.close();
      await wsUpstream.close();
    }
  });

  it('`gatehouse start` drains on SIGTERM: the in-flight request completes and the process exits 0', async () => {
    const proc = await startGatehouseProcess(config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 5000 }));
    try {
      const before = upstream.requests.length;
      const inFlight = send(proc.url, '/api/slow');
      await waitFor(() => upstream.requests.length === before + 1, 'the slow request upstream');
      proc.child.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.text, 'slow done');
      const exit = await proc.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(proc.lines.some((l) => l.msg === 'signal received: draining' && l.signal === 'SIGTERM'));
      assert.ok(proc.lines.some((l) => l.msg === 'stopped'));
    } finally {
      await proc.stop(); // kills it if an assertion failed early; removes its folder
    }
  });
});
