/**
 * Ten processes starting at once with one refresh token and one token-info file make
 * one refresh between them (the file's lock, and re-reading it under the lock). Real
 * child processes, a real Gatehouse.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { login as grant, putUsers, tokenConfig } from '../tokens/support.js';
import { runTogether, resultOf, startChild } from './children.js';
import { auditCount, childEnv } from './support.js';

const SLOW = { timeout: 600_000 };

describe('processes sharing one login', SLOW, () => {
  let gh: TestGatehouse;
  let dir: string;

  before(async () => {
    gh = await startGatehouse(tokenConfig('http://127.0.0.1:9'));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-sharing-'));
  });
  after(async () => {
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ten processes starting at once with one token-info file refresh once', SLOW, async () => {
    const answer = await grant(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      clientId: 'batch',
    });
    const infoPath = join(dir, 'shared', 'token_info.json');
    const env = childEnv(dir, {
      GATEHOUSE_URL: gh.adminUrl,
      GATEHOUSE_CLIENT_ID: 'batch',
      GATEHOUSE_REFRESH_TOKEN: answer.refresh_token as string,
      GATEHOUSE_TOKEN_INFO_PATH: infoPath,
    });
    const before = await auditCount(gh.gatehouse, 'token.refresh');
    const results = await runTogether(Array.from({ length: 10 }, () => startChild(env)));
    for (const r of results) assert.equal(r.code, 0, r.output);
    const parsed = results.map((r) => resultOf(r.output));
    assert.ok(parsed.every((p) => p.username === 'alice'));
    assert.equal(new Set(parsed.map((p) => p.jwt)).size, 1, 'all ten used the same JWT');
    assert.equal(
      await auditCount(gh.gatehouse, 'token.refresh'),
      before + 1,
      'one refresh for ten processes',
    );
    assert.equal(statSync(infoPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'shared')).mode & 0o777, 0o700);
    const text = readFileSync(infoPath, 'utf8');
    assert.ok(!text.includes('ghr_'), 'the token-info file never holds the refresh token');
    assert.ok(
      results.every((r) => !r.output.includes('ghr_')),
      'no refresh token in any output',
    );
  });
});
