/**
 * Redirects never carry a credential to another origin. A token request (password or
 * refresh token in its body) answered by a 307/308 is not sent on: fetch would repeat
 * the body at the new location, whatever its origin or scheme. `client.fetch` follows
 * redirects, but the bearer goes only to the origin it was meant for.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Auth, GatehouseClient, GatehouseError } from '../../src/client/index.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { login, putUsers, tokenConfig } from '../tokens/support.js';
import { auditCount, childEnv, privateHome, runCli } from './support.js';

const PASSWORD = 'redirected password 0123';
const SLOW = { timeout: 300_000 };

describe('redirects and credentials', SLOW, () => {
  let gh: TestGatehouse;
  /** Another origin that sends every request on to Gatehouse's admin listener with a 308. */
  let redirector: TestUpstream;
  /** Another origin that records what reaches it. */
  let elsewhere: TestUpstream;
  let home: string;

  before(async () => {
    elsewhere = await startUpstream('elsewhere');
    gh = await startGatehouse(tokenConfig(elsewhere.url));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: PASSWORD }]);
    redirector = await startUpstream('redirector', (req, res) => {
      const to = req.url?.startsWith('/away') ? elsewhere.url : gh.adminUrl;
      res.writeHead(308, { location: `${to}${req.url ?? '/'}` });
      res.end();
    });
    home = privateHome();
  });
  after(async () => {
    await gh.stop();
    await redirector.close();
    await elsewhere.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('gatehouse login does not send the password on to the origin a 308 names', SLOW, async () => {
    const before = await auditCount(gh.gatehouse, 'refresh_token.issue');
    const result = await runCli(
      ['login', '--url', redirector.url, '--user', 'alice', '--password-stdin'],
      childEnv(home),
      `${PASSWORD}\n`,
    );
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      /^gatehouse: http:\/\/127\.0\.0\.1:\d+ answered 308 redirecting to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/auth\/tokens: a request carrying credentials is not sent on/,
    );
    assert.ok(!result.stderr.includes(PASSWORD));
    assert.equal(
      await auditCount(gh.gatehouse, 'refresh_token.issue'),
      before,
      'the password never reached the other origin',
    );
  });

  it('the SDK does not send a refresh token on to the origin a 308 names', SLOW, async () => {
    const answer = await login(gh.adminUrl, 'alice', PASSWORD, {
      issueRefreshToken: true,
      clientId: 'redirect-test',
    });
    const refreshes = await auditCount(gh.gatehouse, 'token.refresh');
    const auth = new Auth({
      url: redirector.url,
      clientId: 'redirect-test',
      refreshToken: answer.refresh_token as string,
      tokenInfoPath: false,
      env: {},
    });
    try {
      await assert.rejects(auth.getToken(), (err: unknown) => {
        assert.ok(err instanceof GatehouseError);
        assert.equal(err.status, 308);
        assert.equal(err.error, 'redirected');
        assert.ok(!err.message.includes(answer.refresh_token as string));
        return true;
      });
    } finally {
      await auth.close();
    }
    assert.equal(await auditCount(gh.gatehouse, 'token.refresh'), refreshes, 'no grant was made elsewhere');
  });

  it('client.fetch follows a redirect to another origin without the bearer', async () => {
    const client = new GatehouseClient({
      url: gh.adminUrl,
      token: 'ghp_a-static-token-for-this-test',
      tokenInfoPath: false,
      env: {},
    });
    try {
      elsewhere.requests.length = 0;
      const res = await client.fetch(`${redirector.url}/away/x`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      assert.equal(elsewhere.requests.length, 1);
      assert.equal(elsewhere.requests[0]?.headers.authorization, undefined);
      assert.equal(
        redirector.requests.at(-1)?.headers.authorization,
        'Bearer ghp_a-static-token-for-this-test',
      );
    } finally {
      await client.close();
    }
  });
});
