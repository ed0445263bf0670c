/**
 * The `gatehouse` CLI as a child process (issue #9 §5): check-config prints what the
 * in-process validation says, and start refuses the same file with the same key path
 * (it used to fail with a KeyImportError naming none). Child processes are slow to start
 * (tsx), so this is a sample; the agreement tests run the whole corpus in process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkConfig } from '../../src/cli/check-config.js';
import { prepareCorpus, richCorpus, type CorpusEntry, type CorpusMaterial } from './corpus.js';

/** `gatehouse ARGS` from the sources in a child process: exit status and output. */
function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/gatehouse-dev.ts', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // A start that wrongly succeeds would run until killed: it then fails on its status.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

describe('the gatehouse CLI refuses like the in-process validation', () => {
  let material: CorpusMaterial;
  let corpus: CorpusEntry[];
  before(() => {
    material = prepareCorpus();
    // Nothing listens at these URLs: neither check-config nor a refused start fetches.
    corpus = richCorpus(material, 'http://127.0.0.1:9/jwks.json', 'http://127.0.0.1:9');
  });
  after(() => rmSync(material.dir, { recursive: true, force: true }));

  const fileFor = (name: string): string => {
    const entry = corpus.find((e) => e.name === name);
    assert.ok(entry, name);
    const path = join(material.dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(path, entry.text);
    return path;
  };

  it('check-config and start, side by side, on two files that used to fail badly', async () => {
    // check-config on a file that used to end in a bare TypeError; start on a key that
    // used to fail only at start, with a KeyImportError naming no key path.
    const env = { ...process.env, ...material.env };
    delete env.NODE_TEST_CONTEXT;
    const checkPath = fileFor('{file: ""}');
    const checked = await checkConfig(checkPath, material.env);
    const [check, start] = await Promise.all([
      runCli(['check-config', checkPath], env),
      runCli(['start', '--config', fileFor('a private key as PEM')], env),
    ]);
    assert.equal(check.status, 1, check.stderr);
    assert.equal(check.stderr.trim(), checked.stderr, 'the same lines as in process');
    assert.match(check.stderr, /providers\[0\]\.secrets\[0\]\.secret\.file: /);
    assert.equal(start.status, 1, start.stderr);
    assert.match(start.stderr, /providers\[1\]\.keys\[0\]\.pem: holds a private key/);
    assert.doesNotMatch(start.stderr, /KeyImportError|\n\s+at /);
    assert.equal(start.stdout, '', 'nothing was started (no "gatehouse listening" line)');
  });
});
