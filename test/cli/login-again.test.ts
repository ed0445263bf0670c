/**
 * `gatehouse login` over an existing login, against a real Gatehouse: a login revoked
 * elsewhere (whoami exits 1 and says so), a second login replacing the first (same
 * client id, old chain revoked), a wrong password (one line, nothing saved), and no
 * terminal to ask the password on.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { childEnv, privateHome, runCli } from '../client/support.js';
import { putGroups, putUsers, refresh, tokenConfig } from '../tokens/support.js';

const PASSWORD = 'correct horse battery staple';
/** Each CLI run starts Node with tsx: seconds apiece on a loaded 2-core machine. */
const SLOW = { timeout: 600_000 };

describe('gatehouse login over an existing login', SLOW, () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let configFile: string;

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(tokenConfig(upstream.url));
    await putGroups(gh.gatehouse, [{ id: 'analysts', scopes: ['results:read'] }]);
    await putUsers(gh.gatehouse, [{ id: 'alice', password: PASSWORD, groups: ['analysts'] }]);
    home = privateHome();
    env = childEnv(home);
    configFile = join(home, '.gatehouse', 'config.yaml');
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(home, { recursive: true, force: true });
  });

  const saved = (): Record<string, unknown> =>
    load(readFileSync(configFile, 'utf8')) as Record<string, unknown>;

  it('says when a login was revoked elsewhere, with exit code 1', SLOW, async () => {
    const login = await runCli(
      ['login', '--url', gh.adminUrl, '--user', 'alice', '--password-stdin', '--days', '10', '--hours', '10'],
      env,
      `${PASSWORD}\n`,
    );
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /^this login will expire in 10 days, 10 hours$/m);
    assert.equal((await runCli(['whoami'], env)).code, 0, 'a JWT is cached in token_info.json now');
    const info = statSync(join(home, '.gatehouse', 'token_info.json'));
    assert.equal(info.mode & 0o777, 0o600);
    assert.ok(!readFileSync(join(home, '.gatehouse', 'token_info.json'), 'utf8').includes('ghr_'));

    // Revoked on the server (e.g. from another machine with the refresh token).
    const revoked = await runCli(
      ['tokens', 'create', '--refresh-token', '-'],
      env,
      String(saved().refreshToken),
    );
    assert.equal(revoked.code, 0, revoked.stderr);
    const res = await fetch(`${gh.adminUrl}/api/v1/auth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: saved().refreshToken }),
    });
    assert.deepEqual(await res.json(), { revoked: true });

    const whoami = await runCli(['whoami'], env);
    assert.equal(whoami.code, 1);
    assert.equal(whoami.stdout, '');
    assert.match(
      whoami.stderr,
      /^gatehouse: not logged in or the login has expired or been revoked: The refresh token has been revoked\. \(run `gatehouse login`\)\n$/,
    );
  });

  it(
    'a login replaces the saved one: same user keeps the client id, the old chain is revoked',
    SLOW,
    async () => {
      const first = await runCli(['login', '--user', 'alice', '--password-stdin'], env, PASSWORD);
      assert.equal(first.code, 0, first.stderr);
      const before = saved();
      const second = await runCli(['login', '--password-stdin', '--output', 'json'], env, PASSWORD);
      assert.equal(second.code, 0, second.stderr);
      const result = JSON.parse(second.stdout) as Record<string, unknown>;
      assert.equal(result.previousLogin, 'replaced');
      assert.equal(result.clientId, before.clientId);
      assert.ok(
        Math.abs(Number(result.expiresIn) - 30 * 86_400) <= 2,
        `30 days: ${String(result.expiresIn)}`,
      );
      assert.ok(!second.stdout.includes('ghr_'));
      const old = await refresh(gh.adminUrl, String(before.refreshToken));
      assert.equal(old.status, 401, 'the replaced chain no longer works');
    },
  );

  it('refuses a wrong password with one line and saves nothing', SLOW, async () => {
    const before = readFileSync(configFile, 'utf8');
    const res = await runCli(['login', '--user', 'alice', '--password-stdin'], env, 'wrong');
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      'gatehouse: not logged in or the login has expired or been revoked: Invalid username or password. (run `gatehouse login`)\n',
    );
    assert.equal(readFileSync(configFile, 'utf8'), before);
    const noTerminal = await runCli(['login', '--user', 'alice'], env);
    assert.equal(noTerminal.code, 1);
    assert.match(noTerminal.stderr, /no terminal to ask for the password on: use --password-stdin/);
  });
});
