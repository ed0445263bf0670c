/**
 * `gatehouse login --cert-folder` through a TLS listener requiring client certificates
 * (the proxy of tls-support.ts): the folder is saved with the login, and `whoami` uses it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { putUsers, tokenConfig } from '../tokens/support.js';
import { childEnv, runCli } from './support.js';
import { certFolder, makeCertificates, startTlsProxy, type TlsProxy } from './tls-support.js';

describe('the CLI over mutual TLS', () => {
  let gh: TestGatehouse;
  let dir: string;
  let proxy: TlsProxy;

  before(async () => {
    gh = await startGatehouse(tokenConfig('http://127.0.0.1:9'));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-cli-'));
    makeCertificates(dir);
    proxy = await startTlsProxy(dir, gh.adminUrl);
  });
  after(async () => {
    await proxy.close();
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gatehouse login saves the cert folder, and whoami uses it', async () => {
    const folder = certFolder(dir, 'cli', ['ca.crt', 'client.crt', 'client.key']);
    const home = join(dir, 'home');
    mkdirSync(home);
    const env = childEnv(home);
    const login = await runCli(
      ['login', '--url', proxy.url, '--user', 'alice', '--password-stdin', '--cert-folder', folder],
      env,
      'alice-pw\n',
    );
    assert.equal(login.code, 0, login.stderr);
    const saved = load(readFileSync(join(home, '.gatehouse', 'config.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(saved.certFolder, folder);
    assert.equal(saved.url, proxy.url);
    const before = proxy.forwarded.length;
    const whoami = await runCli(['whoami', '--output', 'json'], env);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal((JSON.parse(whoami.stdout) as { username: string }).username, 'alice');
    assert.ok(proxy.forwarded.slice(before).every((cn) => cn === 'alice-laptop'));
    const refused = await runCli(['whoami', '--cert-folder', certFolder(dir, 'none', [])], env);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^gatehouse: cannot read the client certificate .*client\.crt \(ENOENT\)\n$/,
    );
  });
});
