import assert from 'node:assert/strict';
import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { StoreClosedError, StoreUnavailableError } from '../../src/store/errors.js';
import { DATABASE_FILE, openSqliteFile } from '../../src/store/sqlite-db.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { waitFor } from '../helpers/async.js';
import { sqliteOptions, suiteTempDirs } from './sqlite-fixture.js';

describe('SQLite file, pragmas and housekeeping', () => {
  const dir = suiteTempDirs();

  it('creates a private folder and file with WAL and synchronous=FULL', async () => {
    const data = join(dir(), 'nested', 'data');
    const store = SqliteStore.open(sqliteOptions(data), { clock: new ManualClock() });
    await store.put('c', 'x', 1);
    assert.equal(statSync(data).mode & 0o777, 0o700);
    assert.equal(statSync(join(data, DATABASE_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(join(data, `${DATABASE_FILE}-wal`)).mode & 0o077, 0);
    const db = openSqliteFile(data, { busyTimeoutMs: 1234 });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
    db.close();
    await store.close();
  });

  it('sweeps expired documents, counters and old notifications out of the file', async () => {
    const clock = new ManualClock();
    const data = dir();
    const store = SqliteStore.open(sqliteOptions(data, { changeRetentionMs: 60_000 }), { clock });
    await store.create('c', 'short', 1, { ttlMs: 1000 });
    await store.create('c', 'long', 1);
    await store.increment('k', 1000);
    await store.publish('ch', 'm');
    assert.equal(store.sweep(), 0);
    clock.advance(1000);
    assert.equal(store.sweep(), 2, 'the expired document and counter');
    clock.advance(60_000);
    assert.equal(store.sweep(), 1, 'the old notification');
    const db = openSqliteFile(data, { busyTimeoutMs: 100 });
    assert.deepEqual(db.prepare('SELECT id FROM documents').pluck().all(), ['long']);
    db.close();
    await store.close();
  });

  it('fails a write blocked by another process lock after busyTimeoutMs, then recovers', async () => {
    const data = dir();
    const store = SqliteStore.open(sqliteOptions(data, { busyTimeoutMs: 100 }), { clock: new ManualClock() });
    const other = openSqliteFile(data, { busyTimeoutMs: 100 });
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    await assert.rejects(store.put('c', 'x', 1), StoreUnavailableError);
    assert.ok(Date.now() - started < 2000, 'the write does not hang');
    assert.equal(await store.get('c', 'x'), undefined, 'reads still work under WAL');
    other.exec('ROLLBACK');
    other.close();
    assert.equal((await store.put('c', 'x', 1)).revision, 1);
    await store.close();
  });

  it('fails health while the database file is missing or replaced', async () => {
    const data = dir();
    const store = SqliteStore.open(sqliteOptions(data), { clock: new ManualClock() });
    await store.health();
    const file = join(data, DATABASE_FILE);
    renameSync(file, `${file}.moved`);
    await assert.rejects(store.health(), StoreUnavailableError);
    renameSync(`${file}.moved`, file);
    await store.health();
    await store.close();
  });

  it('delivers notifications between handles by polling the changes table', async () => {
    const clock = new ManualClock();
    const data = dir();
    const a = SqliteStore.open(sqliteOptions(data, { pollIntervalMs: 50 }), { clock });
    const b = SqliteStore.open(sqliteOptions(data, { pollIntervalMs: 50 }), { clock });
    const got: string[] = [];
    await b.subscribe('ch', (m) => void got.push(m));
    await a.transact([{ op: 'put', collection: 'c', id: 'x', value: 1 }], {
      notify: [{ channel: 'ch', message: 'x' }],
    });
    await waitFor(() => got.length === 1, 'the notification');
    await a.close();
    await b.close();
    await assert.rejects(b.health(), StoreClosedError);
  });
});
