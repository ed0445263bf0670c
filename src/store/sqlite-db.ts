/**
 * The only file that imports better-sqlite3: opens the database file with the pragmas
 * that make an acknowledged write durable, and classifies SQLite errors.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../observability/log.js';
import { StoreClosedError, StoreError, StoreUnavailableError } from './errors.js';

export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement;

export const DATABASE_FILE = 'gatehouse.db';

export interface OpenOptions {
  /** How long a write waits for another process's write lock before failing (blocks the event loop). */
  readonly busyTimeoutMs: number;
  readonly logger?: Logger | undefined;
}

/**
 * Opens `<dataDir>/gatehouse.db`, creating the folder (mode 0700) and the file (mode
 * 0600; SQLite gives the -wal and -shm files the same mode) when missing.
 *
 * - journal_mode=WAL: readers never block the writer, several processes share the file.
 * - synchronous=FULL: every commit fsyncs the WAL, so an acknowledged write survives
 *   kill -9 and power loss (NORMAL could lose the last commits on power loss).
 * - busy_timeout: a write waits for another process's lock instead of failing at once.
 * - foreign_keys, trusted_schema=OFF: conservative defaults; no triggers or views are used.
 */
export function openSqliteFile(dataDir: string, options: OpenOptions): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0)
    options.logger?.warn({ dataDir, mode: mode.toString(8) }, 'store data folder is readable by other users');
  const path = join(dataDir, DATABASE_FILE);
  closeSync(openSync(path, 'a', 0o600));
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const db = new Database(path, { timeout: options.busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    const journal: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (journal !== 'wal')
      throw new StoreError('backend', `SQLite refused WAL mode (journal_mode=${String(journal)})`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('trusted_schema = OFF');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Identity of the database file (device and inode). An open handle keeps working on a
 * file that was deleted or replaced underneath it, and its writes would then be lost;
 * health() compares this against the path to catch it.
 */
export function fileIdentity(dataDir: string): string | undefined {
  try {
    const stat = statSync(join(dataDir, DATABASE_FILE));
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/** The SQLite result code of an error (`SQLITE_BUSY`...), or undefined for other errors. */
export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Database.SqliteError) return err.code;
  return undefined;
}

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM|CORRUPT|NOTADB)/;

export function mapSqliteError(err: unknown, db: SqliteDatabase): StoreError {
  if (!db.open) return new StoreClosedError();
  const code = sqliteCode(err);
  if (code !== undefined && UNAVAILABLE.test(code))
    return new StoreUnavailableError(`SQLite cannot answer (${code})`, { cause: err });
  return new StoreError('backend', `SQLite failed (${code ?? 'unknown error'})`, { cause: err });
}
