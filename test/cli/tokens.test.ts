/**
 * `gatehouse tokens create-personal | list | delete` with the saved login, against a real
 * Gatehouse: the personal token is printed once and works on the data plane with the
 * scopes asked for, the list never shows it, delete refuses it at once, and a scope the
 * user lacks is one error line.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { childEnv, privateHome, runCli } from '../client/support.js';
import { assertReached, assertRefused, putGroups, putUsers, tokenConfig } from '../tokens/support.js';

describe('gatehouse tokens (personal tokens)', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(tokenConfig(upstream.url));
    await putGroups(gh.gatehouse, [{ id: 'analysts', scopes: ['results:read', 'cluster:write'] }]);
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw', groups: ['analysts'] }]);
    home = privateHome();
    env = childEnv(home);
    const login = await runCli(
      ['login', '--url', gh.adminUrl, '--user', 'alice', '--password-stdin'],
      env,
      'alice-pw',
    );
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates a scoped personal token once, lists it without the secret, deletes it', async () => {
    const created = await runCli(
      [
        'tokens',
        'create-personal',
        '--name',
        'nightly',
        '--expires',
        '30d',
        '--scopes',
        'results:read',
        '--output',
        'json',
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout) as {
      id: string;
      token: string;
      scopes: string[];
      expiresAt: string;
    };
    assert.match(token.token, /^ghp_/);
    assert.deepEqual(token.scopes, ['results:read']);
    assert.ok(Math.abs(Date.parse(token.expiresAt) - Date.now() - 30 * 86_400_000) < 600_000);
    await assertReached(gh.url, '/reader/x', token.token, upstream, 'alice');
    await assertRefused(gh.url, '/writer/x', token.token, upstream, 403, 'insufficient_scope');

    const listed = await runCli(['tokens', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\tNAME\tPREFIX\tSCOPES\tCREATED\tEXPIRES\tLAST USED$/m);
    assert.match(listed.stdout, new RegExp(`^${token.id}\\tnightly\\tghp_\\S+\\tresults:read\\t`, 'm'));
    assert.ok(!listed.stdout.includes(token.token), 'the list never shows the token');

    const deleted = await runCli(['tokens', 'delete', token.id], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), `deleted token ${token.id}`);
    await assertRefused(gh.url, '/open/x', token.token, upstream, 401, 'invalid_token');

    const again = await runCli(['tokens', 'delete', token.id], env);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^gatehouse: You have no personal token with this id\. \(not_found, request [\w-]+\)\n$/,
    );
    const tooMuch = await runCli(
      ['tokens', 'create-personal', '--name', 'x', '--expires', '2030-01-31', '--scopes', 'admin:*'],
      env,
    );
    assert.equal(tooMuch.code, 1);
    assert.match(
      tooMuch.stderr,
      /^gatehouse: A token cannot hold scopes its user lacks: admin:\*\. \(validation_failed/,
    );
  });
});
