/**
 * WebSocket upgrades on the TLS data plane (HTTP/2 offered, the upgrade on HTTP/1.1):
 * a `wss://` client with a client certificate is authenticated by method `mtls` and
 * relayed to a plain `ws` upstream; without a certificate the upgrade is refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { makePki, type Pki } from './pki.js';
import { dataPlaneTls } from './support.js';

describe('WebSocket over the TLS data plane', () => {
  let pki: Pki;
  let upstream: TestUpstream;
  let wss: WebSocketServer;
  let gh: TestGatehouse;
  const handshakes: IncomingMessage['headers'][] = [];

  before(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
    upstream = await startUpstream('ws');
    wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (ws) => ws.on('message', (data: Buffer) => ws.send(`echo ${data.toString()}`)));
    upstream.server.on('upgrade', (req: IncomingMessage, socket, head) => {
      handshakes.push(req.headers);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    gh = await startGatehouse({
      server: { dataPlane: { tls: dataPlaneTls(pki, { clientCertificates: 'optional' }) } },
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['mtls'] } }] }],
      deployments: [{ id: 'dep', service: 'svc', version: 'v1', infrastructure: 'infra', basePath: '/ws' }],
    });
  });
  after(async () => {
    await gh.stop();
    wss.close();
    await upstream.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const open = (client?: string): Promise<WebSocket | number> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${gh.url.replace('https:', 'wss:')}/ws/chat`, {
        ca: pki.read('ca.crt'),
        ...(client ? { cert: pki.read(`${client}.crt`), key: pki.read(`${client}.key`) } : {}),
      });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });

  it('relays an authenticated wss:// connection to the upstream', async () => {
    const ws = await open('alice');
    assert.ok(ws instanceof WebSocket);
    const reply = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send('hi');
    assert.equal(await reply, 'echo hi');
    assert.equal(handshakes.at(-1)?.['x-auth-subject'], 'alice');
    assert.equal(handshakes.at(-1)?.['x-auth-method'], 'mtls');
    ws.close();
  });

  it('refuses the upgrade without a client certificate', async () => {
    const before = handshakes.length;
    assert.equal(await open(), 401);
    assert.equal(handshakes.length, before);
  });
});
