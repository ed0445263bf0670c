/**
 * The CLI warns, on stderr, before a credential is exposed: a password or refresh token
 * sent over plain HTTP to a host other than the loopback, and a refresh token given on
 * the command line (visible in `ps` and kept in shell history).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { childEnv, privateHome, runCli } from '../client/support.js';
import { login, putUsers, tokenConfig } from '../tokens/support.js';

const PASSWORD = 'warned password 0123';
const SLOW = { timeout: 300_000 };
const PLAIN =
  /^gatehouse: warning: http:\/\/0\.0\.0\.0:\d+ is plain HTTP: the credentials cross the network unencrypted/m;
const ARGV = /^gatehouse: warning: a refresh token on the command line is visible to other users/m;

describe('CLI warnings before a credential is exposed', SLOW, () => {
  let gh: TestGatehouse;
  let home: string;
  /** The admin listener reached through 0.0.0.0 (this machine, but not a loopback name). */
  let nonLoopback: string;

  before(async () => {
    gh = await startGatehouse(tokenConfig('http://127.0.0.1:9'));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: PASSWORD }]);
    nonLoopback = gh.adminUrl.replace('127.0.0.1', '0.0.0.0');
    home = privateHome();
  });
  after(async () => {
    await gh.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('login over plain HTTP to a non-loopback host warns; to 127.0.0.1 it does not', SLOW, async () => {
    const env = childEnv(home);
    const plain = await runCli(
      [
        'login',
        '--url',
        nonLoopback,
        '--user',
        'alice',
        '--password-stdin',
        '--configfile',
        `${home}/a.yaml`,
      ],
      env,
      `${PASSWORD}\n`,
    );
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, PLAIN);
    const local = await runCli(
      [
        'login',
        '--url',
        gh.adminUrl,
        '--user',
        'alice',
        '--password-stdin',
        '--configfile',
        `${home}/b.yaml`,
      ],
      env,
      `${PASSWORD}\n`,
    );
    assert.equal(local.code, 0, local.stderr);
    assert.equal(local.stderr, '');
  });

  it('tokens create warns about a refresh token in its arguments, not about one on stdin', SLOW, async () => {
    const env = childEnv(home);
    const first = await login(gh.adminUrl, 'alice', PASSWORD, { issueRefreshToken: true });
    const inArgs = await runCli(
      ['tokens', 'create', '--url', gh.adminUrl, '--refresh-token', first.refresh_token as string],
      env,
    );
    assert.equal(inArgs.code, 0, inArgs.stderr);
    assert.match(inArgs.stderr, ARGV);
    assert.ok(!inArgs.stderr.includes(first.refresh_token as string), 'the warning does not repeat it');
    const onStdin = await runCli(
      ['tokens', 'create', '--url', nonLoopback, '--refresh-token', '-'],
      env,
      `${first.refresh_token as string}\n`,
    );
    assert.equal(onStdin.code, 0, onStdin.stderr);
    assert.doesNotMatch(onStdin.stderr, ARGV);
    assert.match(onStdin.stderr, PLAIN);
  });
});
