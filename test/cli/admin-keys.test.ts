/**
 * `gatehouse admin-key-create | admin-keys-list | admin-key-delete` run as child processes
 * against the SQLite store a running Gatehouse uses: the key is printed once and works on
 * the admin API at once; the list never shows it; deleting it refuses it at once; every
 * CLI use is audited as system/cli.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { COLLECTIONS } from '../../src/control/model.js';
import type { UsageRecorder } from '../../src/control/usage.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { request } from '../control/api/support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function gatehouse(...args: string[]): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/gatehouse-dev.ts'), ...args],
      {
        cwd: ROOT,
        env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('admin key CLI', () => {
  let dir: string;
  let configPath: string;
  let gh: TestGatehouse;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    configPath = join(dir, 'gatehouse.yaml');
    const store = { type: 'sqlite', sqlite: { dataDir: join(dir, 'data') } };
    writeFileSync(configPath, stringify({ store, server: { admin: { port: 0 }, dataPlane: { port: 0 } } }));
    gh = await startGatehouse({ store, logging: { level: 'warn' } });
  });
  after(async () => {
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key that works at once, lists it without the secret, deletes it', async () => {
    const created = await gatehouse(
      'admin-key-create',
      '--label',
      'ci robot',
      '--config',
      configPath,
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const { id, key, label } = JSON.parse(created.stdout) as { id: string; key: string; label: string };
    assert.match(key, /^gha_[A-Za-z0-9_-]{43}$/);
    assert.equal(label, 'ci robot');

    const bearer = await request(gh.adminUrl, 'GET', '/api/v1/infrastructures', { bearer: key });
    assert.equal(bearer.status, 200, bearer.text);
    assert.equal((await request(gh.adminUrl, 'GET', '/api/v1/services', { basic: key })).status, 200);
    await (gh.gatehouse as unknown as { usage: UsageRecorder }).usage.flush();

    const listed = await gatehouse('admin-keys-list', '--config', configPath, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(rows[0] ?? {}).sort(), ['createdAt', 'id', 'label', 'lastUsedAt', 'prefix']);
    assert.equal(rows[0]?.id, id);
    assert.equal(typeof rows[0]?.lastUsedAt, 'string', 'last use is shown');
    assert.ok(!listed.stdout.includes(key.slice(8)), 'the key is never listed');
    const table = await gatehouse('admin-keys-list', '--config', configPath);
    assert.match(table.stdout, /ci robot/);
    assert.ok(!table.stdout.includes(key.slice(8)));

    const stored = await gh.gatehouse.store.get(COLLECTIONS.adminKeys, id);
    assert.ok(!JSON.stringify(stored?.value).includes(key), 'only the hash is stored');

    const deleted = await gatehouse('admin-key-delete', key, '--config', configPath);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`deleted admin key ${id}`));
    const refused = await request(gh.adminUrl, 'GET', '/api/v1/infrastructures', { bearer: key });
    assert.equal(refused.status, 401);
    const again = await gatehouse('admin-key-delete', id, '--config', configPath);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no such admin key/);

    const audit = await gh.gatehouse.store.queryAudit({ actorId: 'cli' }, { limit: 10 });
    assert.deepEqual(
      audit.items.map((r) => [r.actor.type, r.action, r.outcome]),
      [
        ['system', 'admin-key.delete', 'error'],
        ['system', 'admin-key.delete', 'success'],
        ['system', 'admin-key.list', 'success'],
        ['system', 'admin-key.list', 'success'],
        ['system', 'admin-key.create', 'success'],
      ],
    );
    assert.ok(!JSON.stringify(audit.items).includes(key.slice(8)));
  });

  it('fails with the key path of a bad configuration file', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringify({ store: { type: 'postgres' } }));
    const res = await gatehouse('admin-keys-list', '--config', bad);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /store\.type/);
  });
});
