/**
 * Certificate reload without restart: the cert folder laid out like a Kubernetes
 * projected Secret (files are symlinks through `..data`) is swapped atomically under
 * traffic with zero failed requests; new handshakes get the new certificate while an
 * established connection continues; a broken new set is refused (log line, metric) and
 * the old one keeps serving; `reload()` (SIGHUP) picks a change up at once.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { readMetric } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { makePki, type Pki } from './pki.js';

let generation = 0;

/** Writes a new `..N` folder with these files and swaps `..data` to it in one rename. */
function project(folder: string, files: Record<string, string>): void {
  const version = `..v${++generation}`;
  mkdirSync(join(folder, version));
  for (const [name, source] of Object.entries(files)) copyFileSync(source, join(folder, version, name));
  symlinkSync(version, join(folder, '..data_tmp'));
  renameSync(join(folder, '..data_tmp'), join(folder, '..data'));
}

function projectedFolder(pki: Pki, name: string): string {
  const folder = join(pki.dir, name);
  mkdirSync(folder);
  project(folder, { 'server.crt': pki.path('server-chain.crt'), 'server.key': pki.path('server.key') });
  for (const file of ['server.crt', 'server.key']) symlinkSync(join('..data', file), join(folder, file));
  return folder;
}

/** The fingerprint of the certificate a new handshake gets. */
function servedFingerprint(url: string, pki: Pki): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: hostname, port: Number(port), ca: pki.read('ca.crt') }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}

function get(
  url: string,
  pki: Pki,
  agent: Agent | false,
): Promise<{ status: number; fingerprint: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/public/api/v1/svc/x`, { ca: pki.read('ca.crt'), agent }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, fingerprint, socket: res.socket as TLSSocket }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const fingerprintOf = (pki: Pki, file: string): string => new X509Certificate(pki.read(file)).fingerprint256;

describe('certificate reload', () => {
  let pki: Pki;
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let folder: string;

  before(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
    pki.issueServer('server2', 'localhost');
    pki.issueServer('server3', 'localhost');
    upstream = await startUpstream('a');
    folder = projectedFolder(pki, 'certs');
    gh = await startGatehouse({
      ...publicDeployment([upstream.url]),
      server: { dataPlane: { tls: { certFolder: folder, reloadCheckMs: 100, http2: false } } },
    });
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('swaps the certificate under traffic with zero failed requests; an open connection continues', async () => {
    assert.equal(await servedFingerprint(gh.url, pki), fingerprintOf(pki, 'server.crt'));
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(gh.url, pki, keepAlive);
    assert.equal(first.fingerprint, fingerprintOf(pki, 'server.crt'));
    let stop = false;
    const outcomes: { status: string; fingerprint: string }[] = [];
    const loop = async (): Promise<void> => {
      while (!stop)
        outcomes.push(
          await get(gh.url, pki, false).then(
            (r) => ({ status: String(r.status), fingerprint: r.fingerprint }),
            (e: Error) => ({ status: e.message, fingerprint: '' }),
          ),
        );
    };
    const traffic = Promise.all([loop(), loop()]);
    const served = (file: string): number =>
      outcomes.filter((o) => o.fingerprint === fingerprintOf(pki, file)).length;
    // Traffic before, during and after the swap: until 3 requests were served on each certificate.
    await waitFor(() => served('server.crt') >= 3, 'traffic on the first certificate', 20_000);
    project(folder, { 'server.crt': pki.path('server2-chain.crt'), 'server.key': pki.path('server2.key') });
    await waitFor(() => served('server2.crt') >= 3, 'traffic on the new certificate', 20_000);
    stop = true;
    await traffic;
    assert.deepEqual(
      outcomes.filter((o) => o.status !== '200'),
      [],
    );
    // The connection opened before the swap still works.
    const again = await get(gh.url, pki, keepAlive);
    assert.equal(again.status, 200);
    // The same TLS connection, so still on the certificate it was opened with.
    assert.equal(again.socket, first.socket, 'the connection was not reused');
    keepAlive.destroy();
    assert.equal(await readMetric(gh.adminUrl, 'gatehouse_tls_reloads_total', { result: 'success' }), 1);
    assert.equal(
      await readMetric(gh.adminUrl, 'gatehouse_tls_certificate_expiry_seconds', {
        listener: 'dataPlane',
        certificate: 'server',
      }),
      Date.parse(new X509Certificate(pki.read('server2.crt')).validTo) / 1000,
    );
  });

  it('refuses a broken new set (key of another certificate) and keeps serving the old one', async () => {
    project(folder, { 'server.crt': pki.path('server3-chain.crt'), 'server.key': pki.path('server.key') });
    await waitFor(
      async () => (await readMetric(gh.adminUrl, 'gatehouse_tls_reloads_total', { result: 'failure' })) === 1,
      'the refusal is counted',
    );
    const line = gh.log.lines.find(
      (l) => l.msg === 'new TLS certificates refused; the previous ones keep serving',
    );
    assert.match(String(line?.error), /does not belong to the certificate/);
    assert.equal(await servedFingerprint(gh.url, pki), fingerprintOf(pki, 'server2.crt'));
    assert.equal((await get(gh.url, pki, false)).status, 200);
  });

  it('picks a fixed set up, at once on reload (SIGHUP)', async () => {
    project(folder, { 'server.crt': pki.path('server3-chain.crt'), 'server.key': pki.path('server3.key') });
    await gh.gatehouse.reload('SIGHUP');
    assert.equal(await servedFingerprint(gh.url, pki), fingerprintOf(pki, 'server3.crt'));
  });
});
