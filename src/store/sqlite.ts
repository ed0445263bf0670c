/**
 * The SQLite backend: one file, `<dataDir>/gatehouse.db`, shared safely by several
 * processes on one host (WAL). better-sqlite3 is synchronous: statements are prepared
 * once, every write is one IMMEDIATE transaction, and the async interface only wraps
 * (a write waiting for another process's lock blocks the event loop up to busyTimeoutMs).
 */
import { BaseStore, type IdRange, type Notifications, type StoreContext } from './base.js';
import { StoreUnavailableError, type StoreError } from './errors.js';
import { applyOp, toDocument, toResult, type Row } from './rows.js';
import { SqliteAudit } from './sqlite-audit.js';
import { SqliteChangeFeed } from './sqlite-changes.js';
import {
  fileIdentity,
  mapSqliteError,
  openSqliteFile,
  type SqliteDatabase,
  type SqliteStatement,
} from './sqlite-db.js';
import { migrate } from './sqlite-migrations.js';
import type { Subscription } from './subscription.js';
import type * as T from './types.js';
import type { PlannedOp } from './validate.js';

export interface SqliteStoreOptions {
  readonly dataDir: string;
  /** How often a process with subscriptions looks for other processes' notifications. */
  readonly pollIntervalMs: number;
  readonly busyTimeoutMs: number;
  /** How often expired documents, counters and old notifications are deleted. */
  readonly sweepIntervalMs: number;
  /** How long notification rows are kept for slow pollers. */
  readonly changeRetentionMs: number;
}

const COLUMNS = 'value, revision, created_at AS createdAt, updated_at AS updatedAt, expires_at AS expiresAt';
const LIVE = '(expires_at IS NULL OR expires_at > @now)';

export class SqliteStore extends BaseStore {
  readonly backend = 'sqlite';
  private readonly audit: SqliteAudit;
  private readonly feed: SqliteChangeFeed;
  private readonly sweeper: NodeJS.Timeout;
  private readonly sql: Record<
    'get' | 'upsert' | 'remove' | 'count' | 'increment' | 'resetCounter' | 'ping',
    SqliteStatement
  >;
  /** Range reads by [lower inclusive?][upper bound?]. */
  private readonly ranges: SqliteStatement[][];
  private readonly sweepStatements: SqliteStatement[];
  private readonly identity: string | undefined;

  /** Opens (creating and migrating when needed) the database of `options.dataDir`. */
  static open(options: SqliteStoreOptions, ctx: StoreContext): SqliteStore {
    const db = openSqliteFile(options.dataDir, { busyTimeoutMs: options.busyTimeoutMs, logger: ctx.logger });
    try {
      migrate(db, ctx.clock.now());
      return new SqliteStore(db, options, ctx);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SqliteStoreOptions,
    ctx: StoreContext,
  ) {
    super(ctx);
    this.identity = fileIdentity(options.dataDir);
    this.sql = {
      get: db.prepare(`SELECT ${COLUMNS} FROM documents WHERE collection = ? AND id = ?`),
      upsert: db.prepare(
        `INSERT INTO documents (collection, id, value, revision, created_at, updated_at, expires_at)
         VALUES (@collection, @id, @value, @revision, @createdAt, @updatedAt, @expiresAt)
         ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value, revision = excluded.revision,
           created_at = excluded.created_at, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
      ),
      remove: db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?'),
      count: db.prepare(`SELECT count(*) FROM documents WHERE collection = @collection AND ${LIVE}`).pluck(),
      // Fixed window: a window that has ended restarts at 1; one statement, so atomic.
      increment: db.prepare(
        `INSERT INTO counters (key, count, reset_at) VALUES (@key, 1, @now + @ttl)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN reset_at <= @now THEN 1 ELSE count + 1 END,
           reset_at = CASE WHEN reset_at <= @now THEN @now + @ttl ELSE reset_at END
         RETURNING count, reset_at AS resetAt`,
      ),
      resetCounter: db.prepare('DELETE FROM counters WHERE key = ?'),
      ping: db.prepare('SELECT max(version) FROM schema_migrations').pluck(),
    };
    const range = (lower: string, upper: string) =>
      db.prepare(
        `SELECT id, ${COLUMNS} FROM documents WHERE collection = @collection AND id ${lower} @lower${upper}
         AND ${LIVE} ORDER BY id LIMIT @limit`,
      );
    this.ranges = [
      [range('>', ''), range('>', ' AND id < @upper')],
      [range('>=', ''), range('>=', ' AND id < @upper')],
    ];
    this.sweepStatements = [
      db.prepare('DELETE FROM documents WHERE expires_at <= ?'),
      db.prepare('DELETE FROM counters WHERE reset_at <= ?'),
    ];
    this.audit = new SqliteAudit(db);
    this.feed = new SqliteChangeFeed(db, options.pollIntervalMs, ctx.logger);
    this.sweeper = setInterval(() => this.sweepQuietly(), options.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Deletes expired documents and counters and old notifications; answers the rows removed. */
  sweep(): number {
    const now = this.ctx.clock.now();
    const run = this.db.transaction(() => {
      let removed = 0;
      for (const statement of this.sweepStatements) removed += statement.run(now).changes;
      return removed + this.feed.pruneBefore(now - this.options.changeRetentionMs);
    });
    return run.immediate();
  }

  private sweepQuietly(): void {
    try {
      this.sweep();
    } catch (err) {
      this.ctx.logger?.warn({ err }, 'store sweep failed; retrying later');
    }
  }

  private row(collection: string, id: string): Row | undefined {
    return this.sql.get.get(collection, id) as Row | undefined;
  }

  protected readDocument(collection: string, id: string, now: number): Promise<T.StoredDocument | undefined> {
    const row = this.row(collection, id);
    return Promise.resolve(
      row === undefined || (row.expiresAt !== null && row.expiresAt <= now) ? undefined : toDocument(id, row),
    );
  }

  protected readRange(
    collection: string,
    range: IdRange,
    limit: number,
    now: number,
  ): Promise<T.StoredDocument[]> {
    const statement = this.ranges[range.lowerInclusive ? 1 : 0]?.[
      range.upper === undefined ? 0 : 1
    ] as SqliteStatement;
    const params = {
      collection,
      lower: range.lower,
      limit,
      now,
      ...(range.upper === undefined ? {} : { upper: range.upper }),
    };
    const rows = statement.all(params) as (Row & { id: string })[];
    return Promise.resolve(rows.map((row) => toDocument(row.id, row)));
  }

  protected countLive(collection: string, now: number): Promise<number> {
    return Promise.resolve(this.sql.count.get({ collection, now }) as number);
  }

  protected writeOps(
    ops: readonly PlannedOp[],
    notify: Notifications,
    now: number,
  ): Promise<T.WriteResult[]> {
    const run = this.db.transaction(() => {
      // Ops touch distinct documents, so check-and-write one by one equals check-all-then-write;
      // a failed check throws and the transaction rolls back.
      const results = ops.map((op, index) => {
        const stored = this.row(op.collection, op.id);
        const live =
          stored !== undefined && (stored.expiresAt === null || stored.expiresAt > now) ? stored : undefined;
        const outcome = applyOp(op, live, now, index);
        if (outcome.type === 'write')
          this.sql.upsert.run({ collection: op.collection, id: op.id, ...outcome.row });
        else if (outcome.type === 'delete' && stored !== undefined) this.sql.remove.run(op.collection, op.id);
        return toResult(op, outcome);
      });
      this.feed.insert(notify, now);
      return results;
    });
    const results = run.immediate();
    if (notify.length > 0) this.feed.wake();
    return Promise.resolve(results);
  }

  protected incrementCounter(key: string, ttlMs: number, now: number): Promise<T.CounterState> {
    return Promise.resolve(this.sql.increment.get({ key, now, ttl: ttlMs }) as T.CounterState);
  }

  protected deleteCounter(key: string): Promise<void> {
    this.sql.resetCounter.run(key);
    return Promise.resolve();
  }

  protected insertAudit(body: string, record: Omit<T.AuditRecord, 'id'>): Promise<string> {
    return Promise.resolve(this.audit.insert(body, record));
  }

  protected readAudit(
    filter: T.AuditFilter,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<T.AuditRecord[]> {
    return Promise.resolve(this.audit.query(filter, beforeSeq, limit));
  }

  protected deleteAudit(retention: T.AuditRetention): Promise<number> {
    return Promise.resolve(this.audit.prune(retention));
  }

  protected publishAll(notify: Notifications): Promise<void> {
    return this.writeOps([], notify, this.ctx.clock.now()).then(() => undefined);
  }

  protected attach(subscription: Subscription): Promise<() => Promise<void>> {
    const detach = this.feed.attach(subscription);
    return Promise.resolve(() => {
      detach();
      return Promise.resolve();
    });
  }

  protected ping(): Promise<void> {
    this.sql.ping.get();
    if (fileIdentity(this.options.dataDir) !== this.identity)
      throw new StoreUnavailableError('the database file was removed or replaced since it was opened');
    return Promise.resolve();
  }

  protected shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.feed.stop();
    this.db.close();
    return Promise.resolve();
  }

  protected mapError(err: unknown): StoreError {
    return mapSqliteError(err, this.db);
  }
}
