import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { deferred } from '../helpers/async.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { parseRawResponse, sendRaw } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { refusedPort, startUpstream, type TestUpstream } from '../helpers/upstream.js';

interface Handshake {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

interface RefusedUpgrade {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: { error?: string; requestId?: string; message?: string };
}

interface Message {
  readonly data: Buffer;
  readonly binary: boolean;
}

/** An open client socket whose messages are queued from the moment it opened. */
class Client {
  private readonly queue: Message[] = [];
  private waiting: ((m: Message) => void) | undefined;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData, binary: boolean) => {
      const message = { data: data as Buffer, binary };
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(message);
      else this.queue.push(message);
    });
  }
  next(): Promise<Message> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/** Connects and resolves with the open socket, or with the HTTP answer that refused the upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<Client | RefusedUpgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const client = new Client(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: RefusedUpgrade['body'] = {};
        try {
          body = JSON.parse(text) as RefusedUpgrade['body'];
        } catch {
          body = { message: text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    ws.once('error', reject);
  });
}

describe('WebSocket upgrades', () => {
  let upstream: TestUpstream;
  let wss: WebSocketServer;
  const handshakes: Handshake[] = [];
  let gh: TestGatehouse;

  before(async () => {
    upstream = await startUpstream('ws');
    wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (socket) => {
      socket.send('welcome');
      socket.on('message', (data: RawData, binary: boolean) => {
        if (binary) socket.send(Buffer.concat([Buffer.from([0xff]), data as Buffer]), { binary: true });
        else socket.send(`echo:${(data as Buffer).toString('utf8')}`);
      });
    });
    upstream.server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      handshakes.push({ url: req.url ?? '', headers: req.headers });
      if (req.url?.startsWith('/ws/deny')) {
        socket.end(
          'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied',
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    const refused = await refusedPort();
    gh = await startGatehouse({
      infrastructures: [
        { id: 'live', nodes: [upstream.url] },
        { id: 'dead', nodes: [`http://127.0.0.1:${refused}`] },
      ],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: [
        { id: 'ws', service: 'svc', version: 'v1', infrastructure: 'live', basePath: '/ws' },
        {
          id: 'off',
          service: 'svc',
          version: 'v1',
          infrastructure: 'live',
          basePath: '/off',
          enabled: false,
        },
        { id: 'dead', service: 'svc', version: 'v1', infrastructure: 'dead', basePath: '/dead' },
      ],
    });
  });
  after(async () => {
    await gh.stop();
    for (const client of wss.clients) client.terminate();
    wss.close();
    await upstream.close();
  });

  const wsUrl = (path: string): string => gh.url.replace(/^http/, 'ws') + path;

  it('relays text and binary messages both ways', async () => {
    const before = handshakes.length;
    const client = await connect(wsUrl('/ws/chat?room=1'));
    assert.ok(client instanceof Client, 'upgrade accepted');
    const ws = client.ws;
    try {
      assert.equal(handshakes.length, before + 1);
      assert.equal(handshakes.at(-1)?.url, '/ws/chat?room=1');
      assert.equal((await client.next()).data.toString(), 'welcome');
      ws.send('hello');
      assert.equal((await client.next()).data.toString(), 'echo:hello');
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      const got = await client.next();
      assert.equal(got.binary, true);
      assert.deepEqual([...got.data], [0xff, 1, 2, 3]);
      const big = 'x'.repeat(256 * 1024);
      ws.send(big);
      assert.equal((await client.next()).data.toString(), `echo:${big}`);
    } finally {
      const closed = deferred<number>();
      ws.once('close', (code: number) => closed.resolve(code));
      ws.close(1000, 'done');
      assert.equal(await closed.promise, 1000);
    }
  });

  it('sends identity and forwarding headers on the upstream handshake and removes spoofed ones', async () => {
    const before = handshakes.length;
    const client = await connect(wsUrl('/ws/identity'), {
      'X-Auth-Subject': 'admin',
      'X-Auth-Groups': 'admins',
      'X-Auth-Scopes': '*',
      'X-Auth-Method': 'jwt',
      'X-Auth-Key-Id': 'k1',
      'X-Forwarded-For': '6.6.6.6',
      Forwarded: 'for=6.6.6.6',
      Authorization: 'Bearer not-forwarded',
      'X-Request-Id': 'ws-req-1',
      'X-Custom': 'kept',
    });
    assert.ok(client instanceof Client);
    client.ws.terminate();
    assert.equal(handshakes.length, before + 1);
    const seen = handshakes.at(-1)?.headers ?? {};
    assert.equal(seen['x-auth-method'], 'public');
    assert.equal(seen['x-auth-subject'], undefined);
    assert.equal(seen['x-auth-groups'], undefined);
    assert.equal(seen['x-auth-scopes'], undefined);
    assert.equal(seen['x-auth-key-id'], undefined);
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.match(String(seen.forwarded), /^for=127\.0\.0\.1;proto=http/);
    assert.equal(seen.authorization, undefined);
    assert.equal(seen['x-request-id'], 'ws-req-1');
    assert.equal(seen['x-custom'], 'kept');
    assert.equal(seen.upgrade, 'websocket');
    assert.match(String(seen.connection), /upgrade/i);
    assert.ok(seen['sec-websocket-key'], 'the handshake key is relayed');
    assert.equal(seen.host, new URL(upstream.url).host);
  });

  it('an upgrade to an unknown path is answered 404 no_deployment on the socket', async () => {
    const before = handshakes.length;
    const res = await connect(wsUrl('/nowhere'));
    assert.ok(!(res instanceof Client));
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'no_deployment');
    assert.equal(res.headers['x-request-id'], res.body.requestId);
    assert.equal(handshakes.length, before);
  });

  it('an upgrade to a disabled deployment is answered 503 deployment_disabled', async () => {
    const before = handshakes.length;
    const res = await connect(wsUrl('/off/chat'));
    assert.ok(!(res instanceof Client));
    assert.equal(res.status, 503);
    assert.equal(res.body.error, 'deployment_disabled');
    assert.equal(res.headers['x-request-id'], res.body.requestId);
    assert.equal(handshakes.length, before);
  });

  it('an upgrade whose upstream refuses connections is answered 502 bad_gateway', async () => {
    const before = handshakes.length;
    const res = await connect(wsUrl('/dead/chat'));
    assert.ok(!(res instanceof Client));
    assert.equal(res.status, 502);
    assert.equal(res.body.error, 'bad_gateway');
    assert.equal(typeof res.body.message, 'string');
    assert.equal(res.headers['x-request-id'], res.body.requestId);
    assert.equal(handshakes.length, before);
    // The handshake went to the dead node through the forwarding stack (not a vacuous check:
    // the recording upstream above is not that node).
    assert.equal(
      await readMetric(gh.adminUrl, 'gatehouse_upstream_failures_total', {
        deployment: 'dead',
        reason: 'ECONNREFUSED',
      }),
      1,
    );
    assert.equal(
      await readMetric(gh.adminUrl, 'gatehouse_error_responses_total', { code: 'bad_gateway' }),
      1,
    );
  });

  const upgradeRequest = (path: string): string =>
    `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

  it('an upgrade path is normalised before routing: /ws/../off/chat is the disabled deployment', async () => {
    const before = handshakes.length;
    const res = parseRawResponse(await sendRaw(gh.url, upgradeRequest('/ws/../off/chat')));
    assert.equal(res.status, 503);
    assert.equal(res.json().error, 'deployment_disabled');
    assert.equal(handshakes.length, before);
  });

  it('an upgrade with an encoded slash is refused 400 bad_request', async () => {
    const before = handshakes.length;
    const res = parseRawResponse(await sendRaw(gh.url, upgradeRequest('/ws/..%2foff/chat')));
    assert.equal(res.status, 400);
    assert.equal(res.json().error, 'bad_request');
    assert.equal(res.headers['x-request-id'], res.json().requestId);
    assert.equal(handshakes.length, before);
  });

  it('relays the upstream refusing the handshake', async () => {
    const before = handshakes.length;
    const res = await connect(wsUrl('/ws/deny')).catch((err: Error) => err);
    assert.equal(handshakes.length, before + 1);
    if (res instanceof Error)
      assert.fail(`client saw an error instead of the upstream answer: ${res.message}`);
    assert.ok(!(res instanceof Client));
    assert.equal(res.status, 403);
  });
});
