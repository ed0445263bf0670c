/**
 * The SDK through a TLS listener that requires client certificates (a TLS-terminating
 * proxy stands in for Gatehouse's, see tls-support.ts): the cert folder's client
 * certificate and CA, refusal without a client certificate, an unknown server CA refused
 * unless `nosslverify`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConnectionError, GatehouseClient, type AuthOptions } from '../../src/client/index.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { login as grant, putUsers, tokenConfig } from '../tokens/support.js';
import { certFolder, makeCertificates, startTlsProxy, type TlsProxy } from './tls-support.js';

describe('the SDK over mutual TLS', () => {
  let gh: TestGatehouse;
  let dir: string;
  let proxy: TlsProxy;

  before(async () => {
    gh = await startGatehouse(tokenConfig('http://127.0.0.1:9'));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-'));
    makeCertificates(dir);
    proxy = await startTlsProxy(dir, gh.adminUrl);
  });
  after(async () => {
    await proxy.close();
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = async (more: AuthOptions): Promise<AuthOptions> => {
    const answer = await grant(gh.adminUrl, 'alice', 'alice-pw', { issueRefreshToken: true });
    return {
      url: proxy.url,
      refreshToken: answer.refresh_token as string,
      clientId: answer.client_id,
      env: {},
      configFile: join(dir, 'none.yaml'),
      tokenInfoPath: false,
      retry: { retries: 0 },
      ...more,
    };
  };

  it('presents the client certificate from a cert folder and trusts its ca.crt', async () => {
    const folder = certFolder(dir, 'full', ['ca.crt', 'client.crt', 'client.key']);
    const before = proxy.forwarded.length;
    const client = new GatehouseClient(await options({ certFolder: folder }));
    assert.equal((await client.me()).username, 'alice');
    assert.deepEqual(
      proxy.forwarded.slice(before),
      ['alice-laptop', 'alice-laptop'],
      'grant and call, both with the cert',
    );
    await client.close();
  });

  it('without a client certificate the handshake fails and nothing reaches Gatehouse', async () => {
    const before = proxy.forwarded.length;
    const client = new GatehouseClient(await options({ cacert: join(dir, 'ca.crt') }));
    const err = await client.me().catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match(err.message, new RegExp(`cannot reach ${proxy.url.replace(/\./g, '\\.')}`));
    assert.equal(proxy.forwarded.length, before);
    await client.close();
  });

  it('an unknown server CA is refused unless nosslverify is set', async () => {
    const folder = certFolder(dir, 'client-only', ['client.crt', 'client.key']);
    const before = proxy.forwarded.length;
    const strict = new GatehouseClient(await options({ certFolder: folder }));
    const err = await strict.me().catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match(err.message, /self[- ]signed|unable to (get|verify)|UNABLE_TO|SELF_SIGNED/i);
    assert.equal(proxy.forwarded.length, before, 'nothing was sent before the server was verified');
    await strict.close();
    const lax = new GatehouseClient(await options({ certFolder: folder, nosslverify: true }));
    assert.equal((await lax.me()).username, 'alice');
    await lax.close();
  });
});
