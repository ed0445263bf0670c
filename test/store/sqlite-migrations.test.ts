import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { StoreSchemaError } from '../../src/store/errors.js';
import { openSqliteFile } from '../../src/store/sqlite-db.js';
import { MIGRATIONS, migrate, schemaVersion } from '../../src/store/sqlite-migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { sqliteOptions, suiteTempDirs } from './sqlite-fixture.js';

describe('SQLite schema migrations', () => {
  const dir = suiteTempDirs();
  const clock = new ManualClock();

  it('creates the latest schema in a new database', async () => {
    const data = dir();
    const store = SqliteStore.open(sqliteOptions(data), { clock });
    await store.close();
    const db = openSqliteFile(data, { busyTimeoutMs: 100 });
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    const names = db.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all();
    assert.deepEqual(
      names,
      MIGRATIONS.map((m) => m.name),
    );
    db.close();
  });

  it('migrates an old-schema database and keeps its data', async () => {
    const data = dir();
    const old = openSqliteFile(data, { busyTimeoutMs: 100 });
    assert.equal(migrate(old, clock.now(), MIGRATIONS.slice(0, 1)), 1);
    old
      .prepare(
        `INSERT INTO documents (collection, id, value, revision, created_at, updated_at, expires_at)
         VALUES ('users', 'alice', '{"name":"Alice"}', 3, 1, 2, NULL)`,
      )
      .run();
    assert.equal(old.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'audit'").pluck().get(), 0);
    old.close();

    const store = SqliteStore.open(sqliteOptions(data), { clock });
    assert.deepEqual(await store.get('users', 'alice'), {
      id: 'alice',
      value: { name: 'Alice' },
      revision: 3,
      createdAt: 1,
      updatedAt: 2,
    });
    const record = await store.appendAudit({
      actor: { type: 'system', id: 'migration-test' },
      action: 'x',
      outcome: 'success',
    });
    assert.equal(record.id, '0000000000000001');
    await store.close();
    const db = openSqliteFile(data, { busyTimeoutMs: 100 });
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    db.close();
  });

  it('refuses a database whose schema is newer than the code, changing nothing', async () => {
    const data = dir();
    await SqliteStore.open(sqliteOptions(data), { clock }).close();
    const db = openSqliteFile(data, { busyTimeoutMs: 100 });
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)",
    ).run();
    db.close();
    assert.throws(
      () => SqliteStore.open(sqliteOptions(data), { clock }),
      (err: unknown) => {
        assert.ok(err instanceof StoreSchemaError);
        assert.match(err.message, /version 99, newer than this Gatehouse knows \(3\)/);
        return true;
      },
    );
    const check = openSqliteFile(data, { busyTimeoutMs: 100 });
    assert.equal(schemaVersion(check), 99);
    check.close();
  });

  it('rolls back every step of a failed migration', () => {
    const data = dir();
    const db = openSqliteFile(data, { busyTimeoutMs: 100 });
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, name: 'broken', sql: 'CREATE TABLE fine (x); NOT SQL' },
    ];
    assert.throws(() => migrate(db, 0, broken), StoreSchemaError);
    assert.equal(schemaVersion(db), 0);
    assert.equal(
      db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('documents', 'fine')").pluck().get(),
      0,
    );
    db.close();
  });
});
