/**
 * Two processes rotating one saved login (no shared token-info file) take turns under
 * the CLI file's lock, each re-reading the token the other wrote: neither logs the other
 * out. Real child processes, a real Gatehouse.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { login } from '../../src/client/index.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { putUsers, refresh, tokenConfig } from '../tokens/support.js';
import { runTogether, startChild } from './children.js';
import { auditCount, childEnv } from './support.js';

const SLOW = { timeout: 600_000 };

describe('processes rotating one saved login', SLOW, () => {
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

  it('two processes rotating one saved login take turns and neither is logged out', SLOW, async () => {
    const configFile = join(dir, 'cli', 'config.yaml');
    await login({
      url: gh.adminUrl,
      username: 'alice',
      password: 'alice-pw',
      configFile,
      tokenInfoPath: false,
    });
    const first = (load(readFileSync(configFile, 'utf8')) as { refreshToken: string }).refreshToken;
    const env = childEnv(dir, { GATEHOUSE_CONFIG: configFile });
    const rotations = await auditCount(gh.gatehouse, 'refresh_token.rotate');
    const results = await runTogether([
      startChild(env, ['no-token-info']),
      startChild(env, ['no-token-info']),
    ]);
    for (const r of results) assert.equal(r.code, 0, r.output);
    assert.equal(
      await auditCount(gh.gatehouse, 'refresh_token.rotate'),
      rotations + 2,
      'each rotated in turn',
    );
    assert.equal(
      await auditCount(gh.gatehouse, 'refresh_token.reuse_detected', 'denied'),
      0,
      'no reuse detected',
    );
    const last = (load(readFileSync(configFile, 'utf8')) as { refreshToken: string }).refreshToken;
    assert.notEqual(last, first);
    const still = await refresh(gh.adminUrl, last);
    assert.equal(still.status, 200, 'the saved login still works');
  });
});
