/**
 * The SQLite schema as ordered, numbered migrations. Opening a database applies the
 * missing ones in one IMMEDIATE transaction (two processes opening an old file at once
 * serialize; the second finds nothing to do) and refuses a database whose schema is
 * newer than this code knows. Never edit a released migration: append a new one.
 */
import { StoreSchemaError } from './errors.js';
import type { SqliteDatabase } from './sqlite-db.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents and counters',
    sql: `
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        value TEXT NOT NULL,
        revision INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (collection, id)
      ) WITHOUT ROWID;
      CREATE INDEX documents_expiry ON documents (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE counters (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        reset_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX counters_reset ON counters (reset_at);`,
  },
  {
    version: 2,
    name: 'audit log',
    sql: `
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time INTEGER NOT NULL,
        actor_id TEXT NOT NULL,
        action TEXT NOT NULL,
        target_type TEXT,
        target_id TEXT,
        outcome TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX audit_time ON audit (time);
      CREATE INDEX audit_actor ON audit (actor_id, seq);
      CREATE INDEX audit_target ON audit (target_type, target_id, seq);
      CREATE INDEX audit_action ON audit (action, seq);`,
  },
  {
    version: 3,
    name: 'change notifications',
    // AUTOINCREMENT: ids are never reused after pruning, so subscriber cursors stay valid.
    sql: `
      CREATE TABLE changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        message TEXT NOT NULL,
        time INTEGER NOT NULL
      );
      CREATE INDEX changes_time ON changes (time);`,
  },
];

export function schemaVersion(db: SqliteDatabase): number {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (exists === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as {
    version: number | null;
  };
  return row.version ?? 0;
}

/** Brings the database to the last migration of `migrations`; answers the version reached. */
export function migrate(
  db: SqliteDatabase,
  now: number,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  migrations.forEach((m, index) => {
    if (m.version !== index + 1)
      throw new StoreSchemaError('migrations must be numbered 1, 2, 3... in order');
  });
  const known = migrations.length;
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const current = schemaVersion(db);
    if (current > known)
      throw new StoreSchemaError(
        `the database schema is at version ${current}, newer than this Gatehouse knows (${known}): ` +
          'it was written by a newer release; upgrade Gatehouse or restore a backup',
      );
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations.slice(current)) {
      try {
        db.exec(migration.sql);
      } catch (err) {
        throw new StoreSchemaError(`migration ${migration.version} (${migration.name}) failed`, {
          cause: err,
        });
      }
      record.run(migration.version, migration.name, now);
    }
    return known;
  });
  return run.immediate();
}
