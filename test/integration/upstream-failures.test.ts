import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError, assertRefused, witness } from '../helpers/assertions.js';
import { deferred, waitFor, type Deferred } from '../helpers/async.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { parseRawResponse, requestOutcome, send, sendRaw } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import {
  readRequestHead,
  refusedPort,
  startRawUpstream,
  startUpstream,
  type RawUpstream,
  type TestUpstream,
} from '../helpers/upstream.js';

/** One infrastructure and one public deployment at /{id} per entry. */
function deployments(
  entries: Record<string, { nodes: string[]; infra?: ConfigObject; deployment?: ConfigObject }>,
): ConfigObject {
  return {
    infrastructures: Object.entries(entries).map(([id, e]) => ({ id, nodes: e.nodes, ...e.infra })),
    services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
    deployments: Object.entries(entries).map(([id, e]) => ({
      id,
      service: 'svc',
      version: 'v1',
      infrastructure: id,
      basePath: `/${id}`,
      ...e.deployment,
    })),
  };
}

/** A well-behaved raw answer, for connections after the misbehaving first one. */
function answerOk(socket: Socket): void {
  void (async () => {
    for (;;) {
      await readRequestHead(socket);
      if (socket.destroyed) return;
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }
  })();
}

describe('upstream failures', () => {
  let gh: TestGatehouse;
  let healthy: TestUpstream;
  let silent: RawUpstream;
  let resetting: RawUpstream;
  let closing: RawUpstream;
  let garbage: RawUpstream;
  let midBody: RawUpstream;
  let stalling: RawUpstream;
  let bodyUpstream: TestUpstream;
  let holding: TestUpstream;
  let refused: number;
  /** Resolved when the holding upstream sees its response close before finishing. */
  let holdingClosed: Deferred<boolean>;
  const bodies = { completed: 0, aborted: 0, maxBytes: 0 };

  before(async () => {
    refused = await refusedPort();
    healthy = await startUpstream('healthy');
    silent = await startRawUpstream((socket) => socket.resume());
    resetting = await startRawUpstream((socket) => {
      void readRequestHead(socket).then(() => socket.resetAndDestroy());
    });
    closing = await startRawUpstream((socket) => {
      void readRequestHead(socket).then(() => socket.end());
    });
    garbage = await startRawUpstream((socket) => {
      void readRequestHead(socket).then(() => socket.end('HELLO I AM NOT HTTP\r\n\r\n'));
    });
    midBody = await startRawUpstream((socket) => {
      if (midBody.connections.length > 1) return answerOk(socket);
      void readRequestHead(socket).then(() => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n');
        socket.write('x'.repeat(1000), () => setTimeout(() => socket.resetAndDestroy(), 50));
      });
    });
    stalling = await startRawUpstream((socket) => {
      if (stalling.connections.length > 1) return answerOk(socket);
      void readRequestHead(socket).then(() => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + 'y'.repeat(500));
      });
    });
    bodyUpstream = await startUpstream('body', (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        bodies.maxBytes = Math.max(bodies.maxBytes, bytes);
      });
      req.on('end', () => {
        bodies.completed++;
        res.end('received');
      });
      req.on('aborted', () => bodies.aborted++);
    });
    holdingClosed = deferred<boolean>();
    holding = await startUpstream('holding', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1024, 1));
      res.on('close', () => holdingClosed.resolve(!res.writableFinished));
    });
    gh = await startGatehouse(
      deployments({
        refused: { nodes: [`http://127.0.0.1:${refused}`] },
        silent: { nodes: [silent.url], deployment: { timeouts: { responseMs: 300 } } },
        reset: { nodes: [resetting.url] },
        closing: { nodes: [closing.url] },
        garbage: { nodes: [garbage.url] },
        midbody: { nodes: [midBody.url] },
        stalling: { nodes: [stalling.url], deployment: { timeouts: { idleMs: 300 } } },
        disabled: { nodes: [healthy.url], deployment: { enabled: false } },
        down: {
          nodes: [`http://127.0.0.1:${refused}`],
          infra: { passiveHealthCheck: { consecutiveFailures: 1, ejectMs: 600_000 } },
        },
        limited: { nodes: [bodyUpstream.url], deployment: { maxBodyBytes: 1000 } },
        holding: { nodes: [holding.url] },
      }),
    );
  });

  after(async () => {
    await gh.stop();
    await Promise.all(
      [healthy, bodyUpstream, holding, silent, resetting, closing, garbage, midBody, stalling].map((u) =>
        u.close(),
      ),
    );
  });

  it('refused port → 502 bad_gateway', async () => {
    const res = await send(gh.url, '/refused/x', { headers: { 'x-request-id': 'refused-1' } });
    assertGatehouseError(res, 502, 'bad_gateway');
    assert.equal(res.json().requestId, 'refused-1');
  });

  it('a node that accepts and never answers → 504 upstream_timeout, and the upstream socket is closed', async () => {
    const connections = silent.connections.length;
    const res = await send(gh.url, '/silent/x');
    assertGatehouseError(res, 504, 'upstream_timeout');
    assert.equal(silent.connections.length, connections + 1, 'the upstream was reached');
    const socket = silent.connections.at(-1);
    await waitFor(
      () => socket?.destroyed === true || socket?.readableEnded === true,
      'upstream socket close',
    );
  });

  it('a node that resets the connection before answering → 502 bad_gateway', async () => {
    const connections = resetting.connections.length;
    const res = await send(gh.url, '/reset/x');
    assertGatehouseError(res, 502, 'bad_gateway');
    assert.equal(resetting.connections.length, connections + 1, 'the upstream was reached');
  });

  it('a node that closes the connection without answering → 502 bad_gateway', async () => {
    const connections = closing.connections.length;
    const res = await send(gh.url, '/closing/x');
    assertGatehouseError(res, 502, 'bad_gateway');
    assert.equal(closing.connections.length, connections + 1, 'the upstream was reached');
  });

  it('a node that answers with something that is not HTTP → 502 bad_gateway', async () => {
    const connections = garbage.connections.length;
    const res = await send(gh.url, '/garbage/x');
    assertGatehouseError(res, 502, 'bad_gateway');
    assert.equal(garbage.connections.length, connections + 1, 'the upstream was reached');
  });

  it('headers then a reset mid-body → the client sees a truncated response, and the next request works', async () => {
    const outcome = await requestOutcome(gh.url, '/midbody/x');
    assert.equal(outcome.status, 200);
    assert.equal(outcome.outcome, 'aborted');
    assert.ok(outcome.bytes < 100_000, `truncated (${outcome.bytes} bytes)`);
    assert.equal(midBody.connections.length, 1, 'the upstream was reached');
    const next = await send(gh.url, '/midbody/x');
    assert.equal(next.status, 200);
    assert.equal(next.text, 'ok');
    assert.equal(midBody.connections.length, 2);
  });

  it('headers then silence past idleMs → the client sees a truncated response, and the next request works', async () => {
    const outcome = await requestOutcome(gh.url, '/stalling/x');
    assert.equal(outcome.status, 200);
    assert.equal(outcome.outcome, 'aborted');
    assert.equal(outcome.bytes, 500);
    assert.equal(stalling.connections.length, 1, 'the upstream was reached');
    const next = await send(gh.url, '/stalling/x');
    assert.equal(next.status, 200);
    assert.equal(next.text, 'ok');
  });

  it('a disabled deployment → 503 deployment_disabled, upstream not reached', async () => {
    const seen = witness(healthy);
    const res = await send(gh.url, '/disabled/x');
    assertRefused(res, seen, { status: 503, error: 'deployment_disabled', reached: false });
  });

  it('an unknown path → 404 no_deployment, no upstream reached', async () => {
    const seen = witness(healthy, bodyUpstream, holding);
    const res = await send(gh.url, '/nothing-here/x');
    assertRefused(res, seen, { status: 404, error: 'no_deployment', reached: false });
  });

  it('every node down → 503 no_healthy_node', async () => {
    const first = await send(gh.url, '/down/x');
    assertGatehouseError(first, 502, 'bad_gateway');
    // consecutiveFailures: 1 → the only node is now ejected.
    const second = await send(gh.url, '/down/x');
    assertGatehouseError(second, 503, 'no_healthy_node');
    assert.equal(
      await readMetric(gh.adminUrl, 'gatehouse_upstream_node_healthy', { infrastructure: 'down' }),
      0,
    );
  });

  it('a Content-Length over maxBodyBytes → 413 body_too_large before anything reaches the upstream', async () => {
    const seen = witness(bodyUpstream);
    const res = await send(gh.url, '/limited/upload', {
      method: 'POST',
      headers: { 'content-length': 1001 },
      body: Buffer.alloc(1001, 0x61),
    });
    assertRefused(res, seen, { status: 413, error: 'body_too_large', reached: false });
    const atLimit = await send(gh.url, '/limited/upload', {
      method: 'POST',
      headers: { 'content-length': 1000 },
      body: Buffer.alloc(1000, 0x61),
    });
    assert.equal(atLimit.status, 200);
    assert.equal(atLimit.text, 'received');
    assert.equal(seen.since(), 1);
  });

  it('a chunked body over maxBodyBytes → 413, and the upstream never sees a complete body', async () => {
    const completed = bodies.completed;
    bodies.maxBytes = 0;
    let request = `POST /limited/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    for (let i = 0; i < 5; i++) request += `190\r\n${'b'.repeat(400)}\r\n`;
    request += '0\r\n\r\n';
    const res = parseRawResponse(await sendRaw(gh.url, request));
    assert.equal(res.status, 413);
    const body = res.json<{ error: string; requestId: string }>();
    assert.equal(body.error, 'body_too_large');
    assert.equal(res.headers['x-request-id'], body.requestId);
    assert.equal(res.headers['www-authenticate'], undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(bodies.completed, completed, 'no upstream request body completed');
    assert.ok(bodies.maxBytes <= 1000, `upstream saw at most the limit (${bodies.maxBytes})`);
  });

  it('a Transfer-Encoding or Content-Length behind 1000 other headers is still seen: 413 over maxBodyBytes', async () => {
    // Node kept only the first ~1000 headers for the handler but framed the body by all of them.
    const filler = Array.from({ length: 1100 }, (_, i) => `f${i}: x\r\n`).join('');
    const completed = bodies.completed;
    const requests = bodyUpstream.requests.length;
    const chunked = parseRawResponse(
      await sendRaw(
        gh.url,
        `POST /limited/upload HTTP/1.1\r\nHost: x\r\n${filler}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
          `7d0\r\n${'b'.repeat(2000)}\r\n0\r\n\r\n`,
      ),
    );
    assert.equal(chunked.status, 413);
    assert.equal(chunked.json<{ error: string }>().error, 'body_too_large');
    const withLength = parseRawResponse(
      await sendRaw(
        gh.url,
        `POST /limited/upload HTTP/1.1\r\nHost: x\r\n${filler}Content-Length: 2000\r\nConnection: close\r\n\r\n` +
          'b'.repeat(2000),
      ),
    );
    assert.equal(withLength.status, 413);
    assert.equal(withLength.json<{ error: string }>().error, 'body_too_large');
    assert.equal(bodyUpstream.requests.length, requests, 'the upstream was not reached');
    assert.equal(bodies.completed, completed);
  });

  it('a chunked body within maxBodyBytes is forwarded', async () => {
    const completed = bodies.completed;
    const res = await send(gh.url, '/limited/upload', {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(900, 0x63),
    });
    assert.equal(res.status, 200);
    assert.equal(bodies.completed, completed + 1);
  });

  it('a client that aborts mid-response cancels the upstream request', async () => {
    const before = holding.requests.length;
    const gotFirstChunk = deferred();
    const req = httpRequest({
      host: '127.0.0.1',
      port: new URL(gh.url).port,
      path: '/holding/x',
      agent: false,
    });
    req.on('error', () => undefined);
    req.on('response', (res) => {
      res.on('error', () => undefined);
      res.once('data', () => gotFirstChunk.resolve());
    });
    req.end();
    await gotFirstChunk.promise;
    assert.equal(holding.requests.length, before + 1);
    req.destroy();
    assert.equal(await holdingClosed.promise, true, 'the upstream response closed unfinished');
    await waitFor(
      () => gh.log.lines.some((l) => l.msg === 'request' && l.deployment === 'holding' && l.status === 499),
      'access log line with status 499',
    );
  });

  it('counts upstream failures by reason in /metrics, exactly', async () => {
    const failures = async (deployment: string, reason: string): Promise<number> =>
      (await readMetric(gh.adminUrl, 'gatehouse_upstream_failures_total', { deployment, reason })) ?? 0;
    const refusedBefore = await failures('refused', 'ECONNREFUSED');
    const timeoutsBefore = await failures('silent', 'UND_ERR_HEADERS_TIMEOUT');
    assertGatehouseError(await send(gh.url, '/refused/x'), 502, 'bad_gateway');
    assertGatehouseError(await send(gh.url, '/refused/y'), 502, 'bad_gateway');
    assertGatehouseError(await send(gh.url, '/silent/x'), 504, 'upstream_timeout');
    assert.equal(await failures('refused', 'ECONNREFUSED'), refusedBefore + 2);
    assert.equal(await failures('silent', 'UND_ERR_HEADERS_TIMEOUT'), timeoutsBefore + 1);
  });
});
