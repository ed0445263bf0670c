/**
 * The data plane over TLS: a server certificate served with its intermediate (clients
 * trust only the root), curl against the listener, the plain-HTTP listener beside it,
 * and HTTP/2 (node:http2 client) through to an HTTP/1.1 upstream.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  connect as http2Connect,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { makePki, type Pki } from './pki.js';
import { answered, dataPlaneTls, httpsSend } from './support.js';

const run = promisify(execFile);

describe('the data plane over TLS', () => {
  let pki: Pki;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
    upstream = await startUpstream('a');
    const config = publicDeployment([upstream.url]);
    gh = await startGatehouse({
      ...config,
      server: { dataPlane: { tls: dataPlaneTls(pki), plainHttp: { host: '127.0.0.1', port: 0 } } },
    });
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the certificate chain, so a client trusting only the root connects', async () => {
    assert.match(gh.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const before = upstream.requests.length;
    const res = answered(await httpsSend(gh.url, { pki, path: '/public/api/v1/svc/hello' }));
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    const seen = upstream.requests.at(-1);
    assert.equal(seen?.url, '/public/api/v1/svc/hello');
    assert.equal(seen?.headers['x-forwarded-proto'], 'https');
  });

  it('refuses a client that does not trust the server certificate (the handshake fails)', async () => {
    const res = await httpsSend(gh.url, { pki, ca: 'other-ca.crt', path: '/public/api/v1/svc/hello' });
    assert.equal(res.ok, false);
  });

  it('answers curl over HTTPS (HTTP/2 by ALPN)', async () => {
    const { stdout } = await run('curl', [
      '--silent',
      '--show-error',
      '--cacert',
      pki.path('ca.crt'),
      '--write-out',
      '\\n%{http_code} %{http_version}',
      `${gh.url}/public/api/v1/svc/curl`,
    ]);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.at(-1), '200 2');
    const body = JSON.parse(lines.slice(0, -1).join('\n')) as {
      url: string;
      headers: Record<string, string>;
    };
    assert.equal(body.url, '/public/api/v1/svc/curl');
    assert.equal(body.headers['x-forwarded-proto'], 'https');
  });

  it('answers curl over HTTP/1.1 when the client does not offer h2', async () => {
    const { stdout } = await run('curl', [
      '--silent',
      '--http1.1',
      '--cacert',
      pki.path('ca.crt'),
      '--write-out',
      '%{http_code} %{http_version}',
      '--output',
      '/dev/null',
      `${gh.url}/public/api/v1/svc/curl`,
    ]);
    assert.equal(stdout, '200 1.1');
  });

  it('serves plain HTTP on the plainHttp listener beside the TLS one', async () => {
    assert.match(gh.gatehouse.plainDataPlaneUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await send(gh.gatehouse.plainDataPlaneUrl, '/public/api/v1/svc/plain');
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.at(-1)?.headers['x-forwarded-proto'], 'http');
  });

  it('forwards an HTTP/2 request to an HTTP/1.1 upstream with Host from :authority and no pseudo-headers', async () => {
    const session = http2Connect(gh.url, { ca: pki.read('ca.crt') });
    try {
      const { headers, body } = await new Promise<{ headers: IncomingHttpHeaders; body: string }>(
        (resolve, reject) => {
          const stream = session.request({
            ':method': 'POST',
            ':path': '/public/api/v1/svc/h2?x=1',
            'content-type': 'text/plain',
            'X-Custom': 'Value',
          });
          let headers: IncomingHttpHeaders = {};
          const chunks: Buffer[] = [];
          stream.on('response', (h) => (headers = h));
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve({ headers, body: Buffer.concat(chunks).toString('utf8') }));
          stream.on('error', reject);
          stream.end('hello over h2');
        },
      );
      assert.equal(headers[':status'], 200);
      const echoed = JSON.parse(body) as {
        method: string;
        url: string;
        bodyBytes: number;
        headers: Record<string, string>;
      };
      assert.equal(echoed.method, 'POST');
      assert.equal(echoed.url, '/public/api/v1/svc/h2?x=1');
      assert.equal(echoed.bodyBytes, 'hello over h2'.length);
      assert.equal(echoed.headers['x-custom'], 'Value');
      assert.equal(echoed.headers['x-forwarded-host'], new URL(gh.url).host);
      assert.equal(echoed.headers['x-forwarded-proto'], 'https');
      const raw = upstream.requests.at(-1)?.rawHeaders ?? [];
      assert.ok(!raw.some((name) => name.startsWith(':')), `pseudo-headers forwarded: ${raw.join(' ')}`);
      // The connection header the upstream sees is undici's own keep-alive, never a client's.
      assert.ok(!('x-request-id' in headers) || typeof headers['x-request-id'] === 'string');
    } finally {
      session.close();
    }
  });

  it('refuses an HTTP/2 body over the limit with 413 (no Connection header reaches HTTP/2)', async () => {
    gh.writeConfig({
      ...publicDeployment([upstream.url], { deployment: { maxBodyBytes: 10 } }),
      server: { dataPlane: { tls: dataPlaneTls(pki), plainHttp: { host: '127.0.0.1', port: 0 } } },
    });
    assert.equal((await gh.gatehouse.reload()).ok, true);
    const session = http2Connect(gh.url, { ca: pki.read('ca.crt') });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ':method': 'PUT',
          ':path': '/public/api/v1/svc/big',
          'content-length': '100',
        });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.write(Buffer.alloc(50));
      });
      assert.equal(status, 413);
      assert.equal(session.destroyed, false);
    } finally {
      session.close();
    }
  });

  it('refuses an HTTP/2 request whose Host names another authority than :authority (RFC 9113 8.3.1)', async () => {
    const session = http2Connect(gh.url, { ca: pki.read('ca.crt') });
    const ask = (host: string) =>
      h2Ask(session, { ':path': '/public/api/v1/svc/authority', ':authority': new URL(gh.url).host, host });
    try {
      const reached = upstream.requests.length;
      const other = await ask('other.example');
      assert.equal(other.status, 400);
      assert.equal((JSON.parse(other.body) as { error: string }).error, 'bad_request');
      assert.equal(upstream.requests.length, reached, 'a malformed request is not forwarded');
      const authority = new URL(gh.url).host;
      assert.equal((await ask(authority.toUpperCase())).status, 200, 'the same authority, in any case');
      assert.equal(upstream.requests.at(-1)?.headers['x-forwarded-host'], authority.toUpperCase());
    } finally {
      session.close();
    }
  });

  it('answers an HTTP/2 request Gatehouse refuses with the JSON error', async () => {
    const session = http2Connect(gh.url, { ca: pki.read('ca.crt') });
    try {
      const { status, body } = await h2Ask(session, { ':path': '/nowhere' });
      assert.equal(status, 404);
      assert.equal((JSON.parse(body) as { error: string }).error, 'no_deployment');
    } finally {
      session.close();
    }
  });
});

/** One HTTP/2 request without a body on `session`: the status and the body as text. */
function h2Ask(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
    stream.end();
  });
}
