/**
 * The SDK and the CLI through a TLS listener that requires client certificates. Gatehouse
 * has no such listener yet (issue #11), so a Node `https` server requiring a client
 * certificate terminates TLS in front of a real Gatehouse admin listener. The CA, server
 * and client certificates are made by openssl in the test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { ConnectionError, GatehouseClient, type AuthOptions } from '../../src/client/index.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { login as grant, putUsers, tokenConfig } from '../tokens/support.js';
import { childEnv, runCli } from './support.js';

const SLOW = { timeout: 600_000 };

/** A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'alice-laptop'],
  ] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
}

describe('mutual TLS to Gatehouse (a TLS-terminating proxy stands in for its TLS listener)', SLOW, () => {
  let gh: TestGatehouse;
  let dir: string;
  let proxy: Server;
  let url: string;
  const forwarded: string[] = [];

  before(async () => {
    gh = await startGatehouse(tokenConfig('http://127.0.0.1:9'));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-'));
    makeCertificates(dir);
    const admin = new URL(gh.adminUrl);
    proxy = createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.crt')),
        ca: readFileSync(join(dir, 'ca.crt')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        forwarded.push(String(peer.subject?.CN));
        const upstream = httpRequest(
          { host: admin.hostname, port: admin.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        req.pipe(upstream);
      },
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A cert folder with the given files copied from the generated ones. */
  const folder = (name: string, files: string[]): string => {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    for (const f of files) copyFileSync(join(dir, f), join(path, f));
    return path;
  };
  const options = async (more: AuthOptions): Promise<AuthOptions> => {
    const answer = await grant(gh.adminUrl, 'alice', 'alice-pw', { issueRefreshToken: true });
    return {
      url,
      refreshToken: answer.refresh_token as string,
      clientId: answer.client_id,
      env: {},
      configFile: join(dir, 'none.yaml'),
      tokenInfoPath: false,
      retry: { retries: 0 },
      ...more,
    };
  };

  it('the SDK presents the client certificate from a cert folder and trusts its ca.crt', SLOW, async () => {
    const certFolder = folder('full', ['ca.crt', 'client.crt', 'client.key']);
    const before = forwarded.length;
    const client = new GatehouseClient(await options({ certFolder }));
    assert.equal((await client.me()).username, 'alice');
    assert.deepEqual(
      forwarded.slice(before),
      ['alice-laptop', 'alice-laptop'],
      'grant and call, both with the cert',
    );
    await client.close();
  });

  it('without a client certificate the handshake fails and nothing reaches Gatehouse', SLOW, async () => {
    const before = forwarded.length;
    const client = new GatehouseClient(await options({ cacert: join(dir, 'ca.crt') }));
    const err = await client.me().catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match(err.message, new RegExp(`cannot reach ${url.replace(/\./g, '\\.')}`));
    assert.equal(forwarded.length, before);
    await client.close();
  });

  it('an unknown server CA is refused unless nosslverify is set', SLOW, async () => {
    const certFolder = folder('client-only', ['client.crt', 'client.key']);
    const before = forwarded.length;
    const strict = new GatehouseClient(await options({ certFolder }));
    const err = await strict.me().catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match(err.message, /self[- ]signed|unable to (get|verify)|UNABLE_TO|SELF_SIGNED/i);
    assert.equal(forwarded.length, before, 'nothing was sent before the server was verified');
    await strict.close();
    const lax = new GatehouseClient(await options({ certFolder, nosslverify: true }));
    assert.equal((await lax.me()).username, 'alice');
    await lax.close();
  });

  it('gatehouse login saves the cert folder, and whoami uses it', SLOW, async () => {
    const certFolder = folder('cli', ['ca.crt', 'client.crt', 'client.key']);
    const home = join(dir, 'home');
    mkdirSync(home);
    const env = childEnv(home);
    const login = await runCli(
      ['login', '--url', url, '--user', 'alice', '--password-stdin', '--cert-folder', certFolder],
      env,
      'alice-pw\n',
    );
    assert.equal(login.code, 0, login.stderr);
    const saved = load(readFileSync(join(home, '.gatehouse', 'config.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(saved.certFolder, certFolder);
    assert.equal(saved.url, url);
    const whoami = await runCli(['whoami', '--output', 'json'], env);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal((JSON.parse(whoami.stdout) as { username: string }).username, 'alice');
    const refused = await runCli(['whoami', '--cert-folder', folder('none', [])], env);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^gatehouse: cannot read the client certificate .*client\.crt \(ENOENT\)\n$/,
    );
  });
});
