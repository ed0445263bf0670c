import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite.js';
import { StoreSet, type StoreFixture } from './fixture.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
}

/**
 * A temp-folder factory for one suite: every folder it made is removed after the suite.
 * Call at describe level (it registers the `after` hook).
 */
export function suiteTempDirs(): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
}

export function sqliteOptions(
  dataDir: string,
  overrides: Partial<SqliteStoreOptions> = {},
): SqliteStoreOptions {
  return {
    dataDir,
    pollIntervalMs: 20,
    busyTimeoutMs: 2000,
    sweepIntervalMs: 60_000,
    changeRetentionMs: 300_000,
    ...overrides,
  };
}

/** A fresh data dir per fixture; every open() is another handle on the same file. */
export function sqliteFixture(): Promise<StoreFixture> {
  const dir = tempDir();
  const clock = new ManualClock();
  const stores = new StoreSet();
  return Promise.resolve({
    clock,
    open: () => Promise.resolve(stores.add(SqliteStore.open(sqliteOptions(join(dir, 'data')), { clock }))),
    async cleanup() {
      await stores.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
