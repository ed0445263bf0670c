/**
 * Processes sharing credentials: ten processes starting at once with one refresh token
 * and one token-info file make one refresh between them; two processes rotating one
 * saved login (no shared token-info file) take turns under the file's lock and neither
 * logs the other out. Real child processes, a real Gatehouse.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { login } from '../../src/client/index.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { login as grant, putUsers, refresh, tokenConfig } from '../tokens/support.js';
import { auditCount, childEnv, ROOT } from './support.js';

const SLOW = { timeout: 600_000 };

interface Child {
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly done: Promise<{ code: number; output: string }>;
}

function startChild(env: NodeJS.ProcessEnv, args: string[] = []): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/client/sdk-child.ts'), ...args],
    {
      cwd: ROOT,
      env,
    },
  );
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString('utf8');
    if (output.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const done = new Promise<{ code: number; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? 1, output })),
  );
  return { child, ready, done };
}

/** Starts the children, waits until each has loaded, then lets them all go at once. */
async function runTogether(children: Child[]): Promise<{ code: number; output: string }[]> {
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

const resultOf = (output: string): { username?: string; jwt?: string; error?: string } =>
  JSON.parse(output.split('\n').find((l) => l.startsWith('{')) ?? '{}') as never;

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
