/**
 * The audit log in SQLite: one row per record with the filterable fields as indexed
 * columns and the canonical JSON body. The sequence (AUTOINCREMENT) is the record id.
 */
import { assembleAuditRecord, formatAuditId } from './audit.js';
import { prefixEnd } from './lex.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-db.js';
import type { AuditFilter, AuditRecord, AuditRetention } from './types.js';

type Param = string | number;

export class SqliteAudit {
  private readonly insertRow: SqliteStatement;
  private readonly pruneOld: SqliteStatement;
  private readonly pruneBeyond: SqliteStatement;
  /** Query statements by the set of filters used: prepared once each. */
  private readonly queries = new Map<string, SqliteStatement>();

  constructor(private readonly db: SqliteDatabase) {
    this.insertRow = db.prepare(
      `INSERT INTO audit (time, actor_id, action, target_type, target_id, outcome, body)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    // A prefix of the log: up to the first record (in append order) that is not older.
    this.pruneOld = db.prepare(
      `DELETE FROM audit WHERE seq < coalesce(
         (SELECT seq FROM audit WHERE time >= ? ORDER BY seq LIMIT 1), (SELECT max(seq) + 1 FROM audit))`,
    );
    this.pruneBeyond = db.prepare(
      'DELETE FROM audit WHERE seq <= (SELECT seq FROM audit ORDER BY seq DESC LIMIT 1 OFFSET ?)',
    );
  }

  insert(body: string, record: Omit<AuditRecord, 'id'>): string {
    const result = this.insertRow.run(
      record.time,
      record.actor.id,
      record.action,
      record.target?.type ?? null,
      record.target?.id ?? null,
      record.outcome,
      body,
    );
    return formatAuditId(Number(result.lastInsertRowid));
  }

  query(filter: AuditFilter, beforeSeq: number | undefined, limit: number): AuditRecord[] {
    const where: string[] = [];
    const params: Param[] = [];
    const add = (clause: string, ...values: Param[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (beforeSeq !== undefined) add('seq < ?', beforeSeq);
    if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
    if (filter.action !== undefined) add('action = ?', filter.action);
    if (filter.actionPrefix !== undefined && filter.actionPrefix !== '') {
      add('action >= ?', filter.actionPrefix);
      const end = prefixEnd(filter.actionPrefix);
      if (end !== undefined) add('action < ?', end);
    }
    if (filter.targetType !== undefined) add('target_type = ?', filter.targetType);
    if (filter.targetId !== undefined) add('target_id = ?', filter.targetId);
    if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
    if (filter.since !== undefined) add('time >= ?', filter.since);
    if (filter.until !== undefined) add('time < ?', filter.until);
    const sql =
      'SELECT seq, body FROM audit' +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY seq DESC LIMIT ?';
    let statement = this.queries.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    const rows = statement.all(...params, limit) as { seq: number; body: string }[];
    return rows.map((row) => assembleAuditRecord(formatAuditId(row.seq), row.body));
  }

  /** Removes a prefix of the log: beyond keepLatest, then up to the first record not older than olderThan. */
  prune(retention: AuditRetention): number {
    const run = this.db.transaction(() => {
      let removed = 0;
      if (retention.keepLatest !== undefined) removed += this.pruneBeyond.run(retention.keepLatest).changes;
      if (retention.olderThan !== undefined) removed += this.pruneOld.run(retention.olderThan).changes;
      return removed;
    });
    return run.immediate();
  }
}
