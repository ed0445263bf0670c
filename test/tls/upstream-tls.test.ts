/**
 * TLS to the upstream nodes per infrastructure: an https node with a private CA
 * (trusted through `tls.ca`), the wrong CA (502 bad_gateway, the reason logged and
 * counted as upstream_tls_error), and upstream mTLS to a real Node https server that
 * requires and checks a client certificate (the `certFolder` layout ca.crt/client.crt/
 * client.key).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { makePki, type Pki } from './pki.js';

interface HttpsUpstream {
  readonly url: string;
  readonly clients: string[];
  close(): Promise<void>;
}

/** An https node on 127.0.0.1 (the PKI's server chain); with `requireClient`, only certificates of the root. */
async function startHttpsUpstream(pki: Pki, requireClient: boolean): Promise<HttpsUpstream> {
  const clients: string[] = [];
  const server: Server = createServer(
    {
      cert: pki.read('server-chain.crt'),
      key: pki.read('server.key'),
      ...(requireClient ? { ca: pki.read('ca.crt'), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      clients.push(String(peer.subject?.CN ?? ''));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`tls ok ${req.url}`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clients,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('upstream TLS per infrastructure', () => {
  let pki: Pki;
  let plain: HttpsUpstream;
  let mutual: HttpsUpstream;
  let gh: TestGatehouse;

  before(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
    plain = await startHttpsUpstream(pki, false);
    mutual = await startHttpsUpstream(pki, true);
    const folder = join(pki.dir, 'upstream-certs');
    mkdirSync(folder);
    copyFileSync(pki.path('ca.crt'), join(folder, 'ca.crt'));
    copyFileSync(pki.path('bob.crt'), join(folder, 'client.crt'));
    copyFileSync(pki.path('bob.key'), join(folder, 'client.key'));
    const dep = (id: string) => ({
      id,
      service: 'svc',
      version: 'v1',
      infrastructure: id,
      basePath: `/${id}`,
    });
    gh = await startGatehouse({
      infrastructures: [
        { id: 'private-ca', nodes: [plain.url], tls: { ca: pki.path('ca.crt') } },
        { id: 'wrong-ca', nodes: [plain.url], tls: { ca: pki.path('other-ca.crt') } },
        { id: 'system-roots', nodes: [plain.url] },
        { id: 'mtls', nodes: [mutual.url], tls: { certFolder: folder } },
        { id: 'mtls-no-cert', nodes: [mutual.url], tls: { ca: pki.path('ca.crt') } },
        { id: 'sni', nodes: [plain.url], tls: { ca: pki.path('ca.crt'), servername: 'elsewhere.example' } },
        { id: 'insecure', nodes: [plain.url], tls: { insecureSkipVerify: true } },
      ],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: ['private-ca', 'wrong-ca', 'system-roots', 'mtls', 'mtls-no-cert', 'sni', 'insecure'].map(
        dep,
      ),
    });
  });
  after(async () => {
    await gh.stop();
    await plain.close();
    await mutual.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('verifies an https node against the infrastructure CA', async () => {
    const res = await send(gh.url, '/private-ca/hello');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'tls ok /private-ca/hello');
  });

  for (const [id, what] of [
    ['wrong-ca', 'a node whose certificate is not of the configured CA'],
    ['system-roots', 'a node with a private CA and no tls.ca (system roots)'],
    ['sni', 'a node whose certificate does not name the servername'],
  ] as const)
    it(`answers 502 bad_gateway for ${what}, logs why and counts upstream_tls_error`, async () => {
      const res = await send(gh.url, `/${id}/x`);
      assert.equal(res.status, 502);
      assert.equal(res.json().error, 'bad_gateway');
      const line = gh.log.lines.find(
        (l) => l.msg === 'TLS with the upstream node failed' && l.infrastructure === id,
      );
      assert.ok(line, 'no log line');
      assert.match(String(line.error), /CERT|UNABLE|ALTNAME|SELF_SIGNED/);
      const failures = await readMetric(gh.adminUrl, 'gatehouse_upstream_failures_total', {
        deployment: id,
        reason: 'upstream_tls_error',
      });
      assert.ok((failures ?? 0) >= 1);
    });

  it('presents the client certificate of the cert folder to a node that requires one', async () => {
    const res = await send(gh.url, '/mtls/x');
    assert.equal(res.status, 200);
    assert.equal(mutual.clients.at(-1), 'bob');
    const expiry = await readMetric(gh.adminUrl, 'gatehouse_tls_certificate_expiry_seconds', {
      infrastructure: 'mtls',
      certificate: 'client',
    });
    assert.equal(expiry, Date.parse(new X509Certificate(pki.read('bob.crt')).validTo) / 1000);
  });

  it('answers 502 when the node requires a client certificate and none is configured', async () => {
    const before = mutual.clients.length;
    const res = await send(gh.url, '/mtls-no-cert/x');
    assert.equal(res.status, 502);
    assert.equal(mutual.clients.length, before);
  });

  it('insecureSkipVerify connects without verifying, with a warning at start', async () => {
    const res = await send(gh.url, '/insecure/x');
    assert.equal(res.status, 200);
    const warning = gh.log.lines.find(
      (l) => l.infrastructure === 'insecure' && /^INSECURE/.test(String(l.msg)),
    );
    assert.equal(warning?.level, 'warn');
  });
});
