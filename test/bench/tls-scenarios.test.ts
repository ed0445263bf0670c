/**
 * The bench's TLS scenarios: the per-run certificate (openssl, EC P-256, for 127.0.0.1),
 * the preflight getters over TLS against real servers (HTTP/1.1 and h2, refused for a
 * server that does not speak h2 or a certificate of another CA), and the h2load summary
 * parser on h2load's summary lines (a clean run and 404 answers as nghttp2 1.52 prints
 * them; a constructed mix of answers, resets and timeouts; a run that did not speak h2).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseH2loadSummary } from '../../bench/load/h2load.js';
import { h2Get, httpsGet } from '../../bench/process/tls-get.js';
import { benchCertificate, type BenchCertificate } from '../../bench/tls/bench-certificate.js';

const OK = '{"ok":true}';

function summary(lines: { requests: string; codes: string; protocol?: string }): string {
  return [
    'finished in 5.00s, 9462.40 req/s, 1.10MB/s',
    lines.requests,
    lines.codes,
    'traffic: 5.52MB (5787345) total, 512.00KB (524288) headers (space savings 90.00%), 520.32KB (532800) data',
    ...(lines.protocol === undefined ? [] : [`Application protocol: ${lines.protocol}`]),
  ].join('\n');
}

describe('bench TLS scenarios', () => {
  let dir: string;
  let cert: BenchCertificate;
  let other: BenchCertificate;
  let http1Only: Server;
  let h2: Http2SecureServer;
  const url = (server: Server | Http2SecureServer): string =>
    `https://127.0.0.1:${(server.address() as AddressInfo).port}/public/api/v1/svc0/items`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
    cert = benchCertificate(dir);
    other = benchCertificate(join(dir, 'other'));
    const options = {
      cert: readFileSync(join(cert.certFolder, 'server.crt')),
      key: readFileSync(join(cert.certFolder, 'server.key')),
    };
    http1Only = createServer(options, (_req, res) => res.end(OK));
    h2 = createSecureServer({ ...options, allowHTTP1: true }, (_req, res) => res.end(OK));
    await Promise.all(
      [http1Only, h2].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))),
    );
  });

  after(() => {
    http1Only.close();
    h2.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes an EC P-256 certificate for 127.0.0.1 in the certFolder layout, once per folder', () => {
    const text = execFileSync(
      'openssl',
      ['x509', '-noout', '-text', '-in', join(cert.certFolder, 'server.crt')],
      {
        encoding: 'utf8',
      },
    );
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /IP Address:127\.0\.0\.1/);
    assert.equal(benchCertificate(dir).caPem, cert.caPem);
    assert.notEqual(other.caPem, cert.caPem);
  });

  it('gets 200 {"ok":true} over TLS with HTTP/1.1 and with h2', async () => {
    assert.deepEqual(await httpsGet(url(h2), {}, cert.caPem), { status: 200, body: OK });
    assert.deepEqual(await h2Get(url(h2), {}, cert.caPem), { status: 200, body: OK });
  });

  it('fails the h2 preflight against a server that does not choose h2', async () => {
    const answer = await h2Get(url(http1Only), {}, cert.caPem);
    assert.equal(answer.status, 0);
    assert.match(answer.body, /no application protocol/);
  });

  it('fails both preflights against a certificate the run did not make', async () => {
    assert.equal((await httpsGet(url(h2), {}, other.caPem)).status, 0);
    assert.equal((await h2Get(url(h2), {}, other.caPem)).status, 0);
  });

  it('parses a clean h2load run', () => {
    const result = parseH2loadSummary(
      summary({
        requests:
          'requests: 47312 total, 47362 started, 47312 done, 47312 succeeded, 0 failed, 0 errored, 0 timeout',
        codes: 'status codes: 47312 2xx, 0 3xx, 0 4xx, 0 5xx',
        protocol: 'h2',
      }),
    );
    assert.equal(result.requests, 47312);
    assert.equal(result.durationUs, 5_000_000);
    assert.equal(result.bytes, 5787345);
    assert.deepEqual(result.errors, { connect: 0, read: 0, write: 0, status: 0, timeout: 0 });
  });

  it('counts 404 answers once, as requests and as status errors', () => {
    const result = parseH2loadSummary(
      summary({
        requests: 'requests: 20 total, 20 started, 20 done, 0 succeeded, 20 failed, 0 errored, 0 timeout',
        codes: 'status codes: 0 2xx, 0 3xx, 20 4xx, 0 5xx',
        protocol: 'h2',
      }),
    );
    assert.equal(result.requests, 20);
    assert.deepEqual(result.errors, { connect: 0, read: 0, write: 0, status: 20, timeout: 0 });
  });

  it('counts streams without an answer as failures', () => {
    const result = parseH2loadSummary(
      summary({
        requests: 'requests: 20 total, 20 started, 12 done, 2 succeeded, 18 failed, 10 errored, 3 timeout',
        codes: 'status codes: 2 2xx, 0 3xx, 4 4xx, 1 5xx',
        protocol: 'h2',
      }),
    );
    assert.equal(result.requests, 7);
    assert.deepEqual(result.errors, { connect: 0, read: 10, write: 0, status: 5, timeout: 3 });
  });

  it('refuses a run that fell back to HTTP/1.1 or negotiated nothing', () => {
    const requests = 'requests: 20 total, 20 started, 20 done, 20 succeeded, 0 failed, 0 errored, 0 timeout';
    const codes = 'status codes: 20 2xx, 0 3xx, 0 4xx, 0 5xx';
    assert.throws(
      () => parseH2loadSummary(summary({ requests, codes, protocol: 'http/1.1' })),
      /did not negotiate h2/,
    );
    assert.throws(() => parseH2loadSummary(summary({ requests, codes })), /did not negotiate h2/);
  });
});
