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

interface KeepAliveRequest {
  readonly response: Promise<{ status: number; body: string }>;
  /** Resolves on the socket's 'close' event. */
  readonly socketClosed: Promise<void>;
  settled(): boolean;
}

/** A GET on a keep-alive agent, resolving once the request has its socket. */
function keepAliveRequest(baseUrl: string, path: string, agent: Agent): Promise<KeepAliveRequest> {
  const { hostname, port } = new URL(baseUrl);
  const socketClosed = deferred();
  const response = deferred<{ status: number; body: string }>();
  let settled = false;
  void response.promise.finally(() => (settled = true)).catch(() => undefined);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => response.resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('socket', (socket: Socket) => {
      socket.once('close', () => socketClosed.resolve());
      resolve({ response: response.promise, socketClosed: socketClosed.promise, settled: () => settled });
    });
    req.on('error', (err) => {
      response.reject(err);
      reject(err);
    });
    req.end();
  });
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
  /** Released by the test: /api/held answers only then. */
  let held = deferred();

  before(async () => {
    upstream = await startUpstream('u', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.url?.startsWith('/api/held')) void held.promise.then(() => res.end('held done'));
      else if (req.url?.startsWith('/api/forever')) res.on('close', () => foreverClosed.resolve());
      else res.end('fast');
    });
  });
  after(async () => {
    await upstream.close();
  });

  it('drains: readiness fails at once, new connections are refused, the in-flight request completes', async () => {
    held = deferred();
    const gh = await startGatehouse(config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 20_000 }));
    try {
      assert.equal((await send(gh.adminUrl, '/readyz')).status, 200);
      const before = upstream.requests.length;
      const inFlight = send(gh.url, '/api/held');
      await waitFor(() => upstream.requests.length === before + 1, 'the held request upstream');
      let stopResolved = false;
      const stopped = gh.gatehouse.stop().then(() => (stopResolved = true));

      const ready = await send(gh.adminUrl, '/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.json(), { status: 'not_ready', reason: 'draining' });
      await expectRefused(gh.url);
      assert.equal(upstream.requests.length, before + 1, 'nothing new reached the upstream');
      assert.equal(stopResolved, false, 'stop() waits for the in-flight request');

      held.resolve();
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.text, 'held done');
      await stopped;
      assert.ok(gh.log.lines.some((l) => l.msg === 'shutting down' && l.inFlight === 1));
      assert.ok(gh.log.lines.some((l) => l.msg === 'stopped'));
      assert.ok(!gh.log.lines.some((l) => l.msg === 'drain deadline reached; closing remaining connections'));
      await expectRefused(gh.adminUrl);
    } finally {
      held.resolve();
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

  it('closes idle keep-alive connections at once, while a request is still draining', async () => {
    held = deferred();
    const gh = await startGatehouse(config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 20_000 }));
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const busyAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // An idle keep-alive connection, and a second one whose request the upstream holds.
      const idle = await keepAliveRequest(gh.url, '/api/x', idleAgent);
      assert.equal((await idle.response).status, 200);
      const before = upstream.requests.length;
      const busy = await keepAliveRequest(gh.url, '/api/held', busyAgent);
      await waitFor(() => upstream.requests.length === before + 1, 'the held request upstream');
      let stopResolved = false;
      const stopped = gh.gatehouse.stop().then(() => (stopResolved = true));

      // The idle socket closes while the drain still waits for the held request: at once,
      // not by the final closeAllConnections (drainTimeoutMs is 20 s).
      await idle.socketClosed;
      assert.ok(
        !gh.log.lines.some((l) => l.msg === 'drain deadline reached; closing remaining connections'),
        'closed by the drain, not at its deadline',
      );
      assert.equal(stopResolved, false, 'stop() is still draining when the idle connection closes');
      assert.equal(busy.settled(), false, 'the held request is still in flight');

      held.resolve();
      const res = await busy.response;
      assert.equal(res.status, 200);
      assert.equal(res.body, 'held done');
      await busy.socketClosed; // idle after its answer: closed too
      await stopped;
      assert.ok(!gh.log.lines.some((l) => l.msg === 'drain deadline reached; closing remaining connections'));
    } finally {
      held.resolve();
      idleAgent.destroy();
      busyAgent.destroy();
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
    held = deferred();
    const proc = await startGatehouseProcess(
      config(upstream, { readinessDelayMs: 0, drainTimeoutMs: 20_000 }),
    );
    try {
      const before = upstream.requests.length;
      const inFlight = send(proc.url, '/api/held');
      await waitFor(() => upstream.requests.length === before + 1, 'the held request upstream');
      proc.child.kill('SIGTERM');
      await waitFor(
        () => proc.lines.some((l) => l.msg === 'signal received: draining'),
        'the drain to begin',
      );
      held.resolve();
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.text, 'held done');
      const exit = await proc.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(proc.lines.some((l) => l.msg === 'signal received: draining' && l.signal === 'SIGTERM'));
      assert.ok(proc.lines.some((l) => l.msg === 'stopped'));
    } finally {
      held.resolve();
      await proc.stop(); // kills it if an assertion failed early; removes its folder
    }
  });
});
