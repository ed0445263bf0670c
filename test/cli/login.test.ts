/**
 * `gatehouse login / whoami / tokens create / logout` driven as a person would: the
 * password typed at a prompt in a pseudo-terminal (util-linux `script`), against a real
 * Gatehouse. The saved file's mode and contents, no echo of the password, the refresh
 * token never printed by login, rotation written back, revocation on the server, and
 * the error lines and exit codes when the login is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { auditCount, childEnv, privateHome, runCli, runCliInTerminal } from '../client/support.js';
import { assertReached, putGroups, putUsers, refresh, tokenConfig } from '../tokens/support.js';

const PASSWORD = 'correct horse battery staple';
/** Each CLI run starts Node with tsx: seconds apiece on a loaded 2-core machine. */
const SLOW = { timeout: 600_000 };

describe('gatehouse login, whoami, tokens create, logout', SLOW, () => {
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

  it(
    'logs in at a prompt without echo, saves a private file, and the rest follows from it',
    SLOW,
    async () => {
      const login = await runCliInTerminal(['login', '--url', gh.adminUrl, '--user', 'alice'], env, [
        { prompt: /Password:/, type: `${PASSWORD}\r` },
      ]);
      assert.equal(login.code, 0, login.screen);
      assert.match(login.screen, /Password:/);
      assert.match(login.screen, /^this login will expire in 30 days$/m);
      assert.ok(!login.screen.includes(PASSWORD), `the password is not echoed: ${login.screen}`);
      assert.ok(!login.screen.includes('ghr_'), 'login never prints the refresh token');

      assert.equal(statSync(configFile).mode & 0o777, 0o600);
      assert.equal(statSync(join(home, '.gatehouse')).mode & 0o777, 0o700);
      const file = saved();
      assert.equal(file.url, gh.adminUrl);
      assert.equal(file.username, 'alice');
      assert.match(String(file.clientId), /^gatehouse-cli-/);
      assert.match(String(file.refreshToken), /^ghr_/);
      const expires = Date.parse(String(file.refreshExpiresAt)) - Date.now();
      assert.ok(
        Math.abs(expires - 30 * 86_400_000) < 600_000,
        `expires in 30 days: ${String(file.refreshExpiresAt)}`,
      );
      assert.ok(!readFileSync(configFile, 'utf8').includes(PASSWORD), 'the password is never saved');
      assert.equal(await auditCount(gh.gatehouse, 'refresh_token.issue'), 1);

      const whoami = await runCli(['whoami'], env);
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.match(whoami.stdout, /^username: +alice$/m);
      assert.match(whoami.stdout, /^groups: +analysts$/m);
      assert.match(whoami.stdout, /^scopes: +results:read$/m);
      assert.match(whoami.stdout, /^token: +jwt, expires .*\(in [45] minutes\)$/m);
      assert.match(whoami.stdout, /^login: +expires .*\(in 30 days\)$/m);
      assert.ok(!whoami.stdout.includes('ghr_') && !whoami.stdout.includes('eyJ'), 'nothing secret printed');
      const asJson = await runCli(['whoami', '--output', 'json'], env);
      assert.deepEqual((JSON.parse(asJson.stdout) as { groups: string[] }).groups, ['analysts']);

      const created = await runCli(['tokens', 'create', '--issue-rt'], env);
      assert.equal(created.code, 0, created.stderr);
      const answer = JSON.parse(created.stdout) as Record<string, unknown>;
      assert.equal(answer.token_type, 'Bearer');
      assert.match(String(answer.refresh_token), /^ghr_/);
      assert.notEqual(answer.refresh_token, file.refreshToken, 'rotated');
      assert.equal(saved().refreshToken, answer.refresh_token, 'the rotated token is written back');
      assert.equal(answer.refresh_expires_at, file.refreshExpiresAt, 'rotation keeps the end of the login');
      await assertReached(gh.url, '/open/x', String(answer.jwt), upstream, 'alice');

      const logout = await runCli(['logout'], env);
      assert.equal(logout.code, 0, logout.stderr);
      assert.equal(logout.stdout.trim(), 'login revoked');
      assert.equal(saved().refreshToken, undefined);
      assert.equal(saved().clientId, undefined);
      assert.equal(saved().url, gh.adminUrl, 'the URL stays for the next login');
      const refused = await refresh(gh.adminUrl, String(answer.refresh_token));
      assert.equal(refused.status, 401, 'revoked on the server');
      assert.equal(refused.json().error, 'invalid_token');

      const after = await runCli(['whoami'], env);
      assert.equal(after.code, 1);
      assert.equal(after.stdout, '');
      assert.match(after.stderr, /^gatehouse: no credentials: .*run `gatehouse login`/);
      assert.equal(after.stderr.trim().split('\n').length, 1, 'one line');

      const again = await runCli(['logout'], env);
      assert.equal(again.code, 1);
      assert.equal(
        again.stderr.trim(),
        `gatehouse: login token and client id must exist in ${configFile} configuration file`,
      );
    },
  );
});
