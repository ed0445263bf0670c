/**
 * The CLI and the SDK against Gatehouse's own TLS listeners with
 * `clientCertificates: required` (no stand-in proxy): `gatehouse login --cert-folder`,
 * `tokens create`, and an SDK `fetch` through the data plane, all with the cert folder
 * `ca.crt`/`client.crt`/`client.key`; without the client certificate nothing gets in.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { ConnectionError, GatehouseClient } from '../../src/client/index.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { putUsers, tokenConfig } from '../tokens/support.js';
import { childEnv, runCli } from './support.js';
import { certFolder, makeCertificates } from './tls-support.js';

describe('the CLI and the SDK against Gatehouse TLS listeners requiring client certificates', () => {
  let gh: TestGatehouse;
  let upstream: TestUpstream;
  let dir: string;
  let folder: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-gh-'));
    makeCertificates(dir);
    folder = certFolder(dir, 'client', ['ca.crt', 'client.crt', 'client.key']);
    upstream = await startUpstream('api');
    const tls = { certFolder: dir, clientCertificates: 'required' };
    gh = await startGatehouse(
      tokenConfig(upstream.url, {}, { server: { dataPlane: { tls }, admin: { tls } } }),
    );
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gatehouse login and tokens create work with the cert folder', async () => {
    assert.match(gh.adminUrl, /^https:/);
    const home = join(dir, 'home');
    mkdirSync(home);
    const env = childEnv(home);
    const login = await runCli(
      ['login', '--url', gh.adminUrl, '--user', 'alice', '--password-stdin', '--cert-folder', folder],
      env,
      'alice-pw\n',
    );
    assert.equal(login.code, 0, login.stderr);
    const created = await runCli(['tokens', 'create'], env);
    assert.equal(created.code, 0, created.stderr);
    const answer = JSON.parse(created.stdout) as { jwt: string; token_type: string };
    assert.equal(answer.token_type, 'Bearer');
    const refused = await runCli(['whoami', '--cert-folder', certFolder(dir, 'ca-only', ['ca.crt'])], env);
    assert.equal(refused.code, 1);
  });

  it('the SDK fetches through the data plane with the cert folder', async () => {
    const login = await fetchLogin(gh, folder);
    const client = new GatehouseClient({
      url: gh.adminUrl,
      baseUrl: gh.url,
      refreshToken: login.refreshToken,
      clientId: login.clientId,
      certFolder: folder,
      env: {},
      configFile: join(dir, 'none.yaml'),
      tokenInfoPath: false,
      retry: { retries: 0 },
    });
    const before = upstream.requests.length;
    const res = await client.fetch('/open/hello');
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(upstream.requests.at(-1)?.headers['x-auth-subject'], 'alice');
    await client.close();

    const without = new GatehouseClient({
      url: gh.adminUrl,
      baseUrl: gh.url,
      refreshToken: login.refreshToken,
      clientId: login.clientId,
      cacert: join(dir, 'ca.crt'),
      env: {},
      configFile: join(dir, 'none.yaml'),
      tokenInfoPath: false,
      retry: { retries: 0 },
    });
    const err = await without.fetch('/open/hello').catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(upstream.requests.length, before + 1);
    await without.close();
  });
});

/** A password grant over the admin TLS listener with the SDK's own TLS handling. */
async function fetchLogin(
  gh: TestGatehouse,
  folder: string,
): Promise<{ refreshToken: string; clientId: string }> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-tls-home-'));
  try {
    const env = childEnv(home);
    const login = await runCli(
      ['login', '--url', gh.adminUrl, '--user', 'alice', '--password-stdin', '--cert-folder', folder],
      env,
      'alice-pw\n',
    );
    assert.equal(login.code, 0, login.stderr);
    const saved = load(readFileSync(join(home, '.gatehouse', 'config.yaml'), 'utf8')) as {
      refreshToken: string;
      clientId: string;
    };
    return { refreshToken: saved.refreshToken, clientId: saved.clientId };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
