/**
 * WebSockets on the same forwarding stack as HTTP: a tunnel counts as in flight on its
 * node (least-connections sees it), a node that refuses the handshake's connection is
 * passively ejected and the handshake retried elsewhere, and every upgrade lands in the
 * request metric and the access log. Plus non-WebSocket upgrades (h2c), which are
 * ignored and served as plain requests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { deferred, waitFor } from '../helpers/async.js';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { parseRawResponse, send, sendRaw } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { refusedPort, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { closeClient, closeWsNode, open, startWsNode, type WsNode } from '../helpers/websocket.js';

const wsUrl = (gh: TestGatehouse, path: string): string => gh.url.replace(/^http/, 'ws') + path;

describe('WebSocket upgrades on the HTTP forwarding stack', () => {
  let a: WsNode;
  let b: WsNode;

  before(async () => {
    [a, b] = await Promise.all([startWsNode('a'), startWsNode('b')]);
  });
  after(async () => {
    await Promise.all([closeWsNode(a), closeWsNode(b)]);
  });

  it('least-connections counts an open WebSocket on its node until it closes', async () => {
    const gh = await startGatehouse(
      publicDeployment([a.upstream.url, b.upstream.url], {
        deployment: { basePath: '/ws' },
        infrastructure: { loadBalancing: 'least-connections' },
      }),
    );
    try {
      const ws = await open(wsUrl(gh, '/ws/chat'));
      const tunnelled = a.handshakes.length === 1 ? a : b;
      const other = tunnelled === a ? b : a;
      assert.equal(a.handshakes.length + b.handshakes.length, 1);
      const before = [tunnelled.upstream.requests.length, other.upstream.requests.length];
      for (let i = 0; i < 4; i++) assert.equal((await send(gh.url, '/ws/plain')).status, 200);
      assert.deepEqual(
        [
          tunnelled.upstream.requests.length - (before[0] ?? 0),
          other.upstream.requests.length - (before[1] ?? 0),
        ],
        [0, 4],
        'every request goes to the node without the WebSocket',
      );
      await closeClient(ws);
      // Once the tunnel is gone both nodes are equal again: requests alternate.
      await waitFor(async () => {
        const counts = [tunnelled.upstream.requests.length, other.upstream.requests.length];
        await send(gh.url, '/ws/plain');
        return tunnelled.upstream.requests.length > (counts[0] ?? 0);
      }, 'the tunnelled node to take requests again');
    } finally {
      await gh.stop();
    }
  });

  it('a node refusing the handshake connection is ejected and the handshake retried on another node', async () => {
    const dead = `http://127.0.0.1:${await refusedPort()}`;
    const gh = await startGatehouse(
      publicDeployment([dead, a.upstream.url], {
        deployment: { basePath: '/ws' },
        infrastructure: { passiveHealthCheck: { enabled: true, consecutiveFailures: 1, ejectMs: 60_000 } },
      }),
    );
    try {
      const before = a.handshakes.length;
      const ws = await open(wsUrl(gh, '/ws/retry'));
      assert.equal(a.handshakes.length, before + 1, 'the live node got the handshake');
      const echoed = deferred<string>();
      ws.once('message', (data: Buffer) => echoed.resolve(String(data)));
      ws.send('hi');
      assert.equal(await echoed.promise, 'a:hi');
      await closeClient(ws);
      assert.equal(
        await readMetric(gh.adminUrl, 'gatehouse_upstream_ejections_total', { node: dead }),
        1,
        'the refusing node was ejected',
      );
      assert.equal(
        await readMetric(gh.adminUrl, 'gatehouse_upstream_retries_total', { deployment: 'dep' }),
        1,
      );
    } finally {
      await gh.stop();
    }
  });

  it('an upgrade is counted in the request metric and access-logged with status 101 when it closes', async () => {
    const gh = await startGatehouse(publicDeployment([a.upstream.url], { deployment: { basePath: '/ws' } }));
    try {
      const ws = await open(wsUrl(gh, '/ws/logged?secret=1'));
      await closeClient(ws);
      await waitFor(
        () => gh.log.lines.some((l) => l.log === 'access' && l.path === '/ws/logged'),
        'the access-log line',
      );
      const line = gh.log.lines.find((l) => l.log === 'access' && l.path === '/ws/logged');
      assert.equal(line?.status, 101);
      assert.equal(line?.method, 'GET');
      assert.equal(line?.deployment, 'dep');
      assert.equal(line?.node, a.upstream.url);
      assert.equal(typeof line?.upstreamMs, 'number');
      assert.equal(
        await readMetric(gh.adminUrl, 'gatehouse_requests_total', { deployment: 'dep', status_class: '1xx' }),
        1,
      );
    } finally {
      await gh.stop();
    }
  });
});

describe('an Upgrade other than WebSocket is ignored (RFC 9110 7.8)', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const upgraded: string[] = [];

  before(async () => {
    upstream = await startUpstream('plain');
    upstream.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      upgraded.push(req.url ?? '');
      socket.destroy();
    });
    gh = await startGatehouse(publicDeployment([upstream.url], { deployment: { basePath: '/api' } }));
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('Upgrade: h2c on a raw socket gets the normal answer, keep-alive and bodies included', async () => {
    const before = upstream.requests.length;
    const host = new URL(gh.url).host;
    const h2c =
      'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';
    const raw = await sendRaw(
      gh.url,
      `GET /api/first?q=1 HTTP/1.1\r\nHost: ${host}\r\n${h2c}\r\n` +
        `POST /api/second HTTP/1.1\r\nHost: ${host}\r\n${h2c}Content-Length: 5\r\n\r\nhello` +
        `GET /api/third HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    const answers = raw.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 3, raw);
    for (const answer of answers) assert.equal(parseRawResponse(answer).status, 200, answer);
    assert.equal(upstream.requests.length, before + 3);
    // Pipelined requests are forwarded concurrently: found by path, not by order.
    const seen = upstream.requests.slice(before);
    const first = seen.find((r) => r.url.startsWith('/api/first'));
    const second = seen.find((r) => r.url === '/api/second');
    assert.equal(first?.url, '/api/first?q=1');
    assert.equal(first?.headers.upgrade, undefined);
    assert.equal(first?.headers['http2-settings'], undefined, 'listed in Connection: hop-by-hop');
    assert.equal(second?.method, 'POST');
    assert.equal(parseRawResponse(answers[1] ?? '').json<{ bodyBytes: number }>().bodyBytes, 5);
    assert.deepEqual(upgraded, [], 'no upgrade reached the upstream');
    await waitFor(
      () => gh.log.lines.some((l) => l.log === 'access' && l.path === '/api/first' && l.status === 200),
      'the access-log line',
    );
  });

  it('an h2c upgrade to an unknown path is answered 404 like any request', async () => {
    const res = parseRawResponse(
      await sendRaw(
        gh.url,
        `GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\n\r\n`,
      ),
    );
    assert.equal(res.status, 404);
    assert.equal(res.json().error, 'no_deployment');
  });

  it('curl --http2 over cleartext gets the normal HTTP/1.1 answer', async () => {
    // curl sends `Connection: Upgrade, HTTP2-Settings` and `Upgrade: h2c` (.ci/run installs curl).
    const out = await promisify(execFile)('curl', [
      '--silent',
      '--show-error',
      '--http2',
      '--include',
      `${gh.url}/api/curl`,
    ]);
    assert.match(out.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(out.stdout, /"url":"\/api\/curl"/);
    assert.equal(upstream.requests.at(-1)?.headers.upgrade, undefined);
  });
});
