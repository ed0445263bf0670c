/**
 * Change notifications over one SQLite file shared by several processes: publishing
 * inserts into the `changes` table (in the same transaction as the data change when
 * it comes from `transact`), and every process that has subscriptions polls the table
 * for rows after the last id it has seen. Ids are AUTOINCREMENT and commits are
 * serialized by SQLite's write lock, so a reader sees rows in id order without gaps
 * (at-least-once, in order). Rows older than the retention are pruned by the sweep.
 * A failed poll tells every subscriber to re-read what it keeps (Subscription.resync),
 * once per failure streak: rows may be pruned before the next poll succeeds. So does a
 * poll that finds rows after its cursor already pruned (the process was paused, or its
 * polls stalled, for longer than the retention): the ids have a hole there.
 */
import type { Logger } from '../observability/log.js';
import type { Notifications } from './base.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-db.js';
import type { Subscription } from './subscription.js';

interface ChangeRow {
  readonly id: number;
  readonly channel: string;
  readonly message: string;
}

const BATCH = 1000;

export class SqliteChangeFeed {
  /** Subscription → the last change id that existed when it subscribed. */
  private readonly subscriptions = new Map<Subscription, number>();
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  /** A poll failed and none has succeeded since. */
  private failing = false;
  private readonly insertChange: SqliteStatement;
  private readonly lastId: SqliteStatement;
  private readonly after: SqliteStatement;
  private readonly prune: SqliteStatement;

  constructor(
    db: SqliteDatabase,
    private readonly pollIntervalMs: number,
    private readonly logger: Logger | undefined,
  ) {
    this.insertChange = db.prepare('INSERT INTO changes (channel, message, time) VALUES (?, ?, ?)');
    // The largest id ever given, even when its row was pruned (sqlite_sequence keeps it).
    this.lastId = db
      .prepare(
        `SELECT max(coalesce((SELECT max(id) FROM changes), 0),
                    coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)) AS id`,
      )
      .pluck();
    this.after = db.prepare(
      `SELECT id, channel, message FROM changes WHERE id > ? ORDER BY id LIMIT ${BATCH}`,
    );
    this.prune = db.prepare('DELETE FROM changes WHERE time < ?');
  }

  /** Records notifications; call inside the write transaction they belong to. */
  insert(notify: Notifications, now: number): void {
    for (const n of notify) this.insertChange.run(n.channel, n.message, now);
  }

  /** After a local commit with notifications: poll at once instead of waiting for the timer. */
  wake(): void {
    if (this.subscriptions.size === 0 || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.poll();
    });
  }

  attach(subscription: Subscription): () => void {
    const start = this.lastId.get() as number;
    if (this.subscriptions.size === 0) this.cursor = start;
    this.subscriptions.set(subscription, start);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.poll(), this.pollIntervalMs);
      this.timer.unref();
    }
    return () => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.stop();
    };
  }

  /** Deletes rows older than `before` (ms); answers how many. */
  pruneBefore(before: number): number {
    return this.prune.run(before).changes;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const subscription of this.subscriptions.keys()) subscription.stop();
    this.subscriptions.clear();
  }

  private poll(): void {
    if (this.subscriptions.size === 0) return;
    try {
      for (;;) {
        // Read before the rows: every id up to `last` was committed, so a missing one was pruned.
        const last = this.lastId.get() as number;
        const rows = this.after.all(this.cursor) as ChangeRow[];
        const next = rows[0]?.id ?? last + 1;
        if (next > this.cursor + 1 && last > this.cursor)
          this.missed(rows[0] === undefined ? last : undefined);
        for (const row of rows) {
          for (const [subscription, start] of this.subscriptions)
            if (row.id > start && subscription.channel === row.channel) subscription.push(row.message);
          this.cursor = row.id;
        }
        if (rows.length < BATCH) break;
      }
      this.failing = false;
    } catch (err) {
      if (this.failing) return;
      this.failing = true;
      this.logger?.warn({ err }, 'store change feed poll failed; retrying');
      for (const subscription of this.subscriptions.keys()) subscription.resync();
    }
  }

  /** Rows after the cursor were pruned unread: every subscriber re-reads what it keeps. */
  private missed(skipTo: number | undefined): void {
    this.logger?.warn(
      { after: this.cursor },
      'store change feed: notifications were pruned before this process read them; re-reading',
    );
    if (skipTo !== undefined) this.cursor = skipTo;
    for (const subscription of this.subscriptions.keys()) subscription.resync();
  }
}
