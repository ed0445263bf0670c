import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/clock.js';
import { RedisStore } from '../../src/store/redis.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { sqliteOptions, tempDir } from './sqlite-fixture.js';

const CHILD = fileURLToPath(new URL('./durability-child.ts', import.meta.url));
const ACKS_BEFORE_KILL = 150;

/**
 * Runs the writer child and, after some acks, SIGKILLs it (or first runs `crash`, e.g.
 * kill -9 of redis-server); answers every id the child acknowledged.
 */
async function writeThenKill(args: string[], crash?: () => Promise<void>): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: string[] = [];
  let buffer = '';
  let stderr = '';
  let killing = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
    if (acked.length >= ACKS_BEFORE_KILL && !killing) {
      killing = true;
      void (crash ?? (() => Promise.resolve()))().finally(() => child.kill('SIGKILL'));
    }
  });
  await done;
  assert.ok(
    crash !== undefined || child.signalCode === 'SIGKILL',
    `killed mid-stream (stderr: ${stderr.slice(-500)})`,
  );
  assert.ok(acked.length >= ACKS_BEFORE_KILL);
  return acked;
}

async function assertAllPresent(store: Store, acked: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const id of acked) {
    const [doc, index] = await Promise.all([
      store.get('durable', id),
      store.get('durable-index', `by-number-${id.slice(4)}`),
    ]);
    if (doc === undefined || index?.value !== id) missing.push(id);
  }
  assert.deepEqual(missing, [], 'every acknowledged write survived');
}

describe('durability of acknowledged writes', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('SQLite: a writer killed with SIGKILL loses no acknowledged write', async () => {
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    const acked = await writeThenKill(['sqlite', data]);
    const store = SqliteStore.open(sqliteOptions(data), { clock: systemClock });
    cleanups.push(() => store.close());
    await assertAllPresent(store, acked);
  });

  it('Redis (AOF, appendfsync always): survives a killed writer and a kill -9 of redis-server', async () => {
    const server: TestRedisServer = await startRedisServer({ appendOnly: true });
    cleanups.push(() => server.stop());
    const prefix = 'durable:{gh}:';
    const acked = await writeThenKill(['redis', server.url, prefix]);
    const options = {
      url: server.url,
      keyPrefix: prefix,
      tls: false,
      commandTimeoutMs: 2000,
      connectTimeoutMs: 2000,
    };
    const first = new RedisStore(options, { clock: systemClock });
    await assertAllPresent(first, acked);
    await first.close();

    // Now kill -9 redis-server itself while a writer is writing.
    const prefix2 = 'durable2:{gh}:';
    const acked2 = await writeThenKill(['redis', server.url, prefix2], () => server.kill9());
    await server.restart();
    const second = new RedisStore(options, { clock: systemClock });
    const third = new RedisStore({ ...options, keyPrefix: prefix2 }, { clock: systemClock });
    cleanups.push(
      () => second.close(),
      () => third.close(),
    );
    await assertAllPresent(second, acked);
    await assertAllPresent(third, acked2);
  });
});
