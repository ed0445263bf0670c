/**
 * The in-memory backend, for tests. Several MemoryStore instances may share one
 * MemoryBackend, which then behaves like one database opened by several processes
 * (the contract's two-instance notification tests rely on it).
 */
import { assembleAuditRecord, formatAuditId, matchesAudit } from './audit.js';
import { BaseStore, type IdRange, type Notifications, type StoreContext } from './base.js';
import { StoreError, StoreUnavailableError } from './errors.js';
import { compareIds } from './lex.js';
import { applyOp, isLive, toDocument, toResult, type Row } from './rows.js';
import type { Subscription } from './subscription.js';
import type * as T from './types.js';
import type { PlannedOp } from './validate.js';

interface AuditRow {
  readonly seq: number;
  readonly time: number;
  readonly record: T.AuditRecord;
}

/** The shared state. `down` simulates an outage: every call of every attached store rejects. */
export class MemoryBackend {
  readonly documents = new Map<string, Map<string, Row>>();
  readonly counters = new Map<string, T.CounterState>();
  readonly audit: AuditRow[] = [];
  readonly subscriptions = new Set<Subscription>();
  auditSeq = 0;
  down = false;

  collection(name: string): Map<string, Row> {
    let rows = this.documents.get(name);
    if (rows === undefined) {
      rows = new Map();
      this.documents.set(name, rows);
    }
    return rows;
  }
}

export class MemoryStore extends BaseStore {
  readonly backend = 'memory';
  /** This instance's subscriptions, dropped from the shared set on close. */
  private readonly mine = new Set<Subscription>();

  constructor(
    ctx: StoreContext,
    readonly shared: MemoryBackend = new MemoryBackend(),
  ) {
    super(ctx);
  }

  /** Reads a row, dropping it when expired (memory's "eventual" removal). */
  private live(collection: string, id: string, now: number): Row | undefined {
    const rows = this.shared.documents.get(collection);
    const row = rows?.get(id);
    if (isLive(row, now)) return row;
    if (row !== undefined) rows?.delete(id);
    return undefined;
  }

  private available(): void {
    if (this.shared.down) throw new StoreUnavailableError('the memory backend is down');
  }

  protected readDocument(collection: string, id: string, now: number): Promise<T.StoredDocument | undefined> {
    this.available();
    const row = this.live(collection, id, now);
    return Promise.resolve(row === undefined ? undefined : toDocument(id, row));
  }

  protected readRange(
    collection: string,
    range: IdRange,
    limit: number,
    now: number,
  ): Promise<T.StoredDocument[]> {
    this.available();
    const ids = [...(this.shared.documents.get(collection)?.keys() ?? [])].sort(compareIds);
    const out: T.StoredDocument[] = [];
    for (const id of ids) {
      const order = compareIds(id, range.lower);
      if (order < 0 || (order === 0 && !range.lowerInclusive)) continue;
      if (range.upper !== undefined && compareIds(id, range.upper) >= 0) break;
      const row = this.live(collection, id, now);
      if (row !== undefined) out.push(toDocument(id, row));
      if (out.length >= limit) break;
    }
    return Promise.resolve(out);
  }

  protected countLive(collection: string, now: number): Promise<number> {
    this.available();
    let count = 0;
    for (const id of [...(this.shared.documents.get(collection)?.keys() ?? [])])
      if (this.live(collection, id, now) !== undefined) count += 1;
    return Promise.resolve(count);
  }

  protected writeOps(
    ops: readonly PlannedOp[],
    notify: Notifications,
    now: number,
  ): Promise<T.WriteResult[]> {
    this.available();
    // Every check runs before any write: a failing op throws and leaves nothing changed.
    const outcomes = ops.map((op, index) => applyOp(op, this.live(op.collection, op.id, now), now, index));
    outcomes.forEach((outcome, index) => {
      const op = ops[index] as PlannedOp;
      if (outcome.type === 'write') this.shared.collection(op.collection).set(op.id, outcome.row);
      else if (outcome.type === 'delete') this.shared.documents.get(op.collection)?.delete(op.id);
    });
    this.deliver(notify);
    return Promise.resolve(outcomes.map((outcome, index) => toResult(ops[index] as PlannedOp, outcome)));
  }

  protected incrementCounter(key: string, ttlMs: number, now: number): Promise<T.CounterState> {
    this.available();
    const current = this.shared.counters.get(key);
    const next =
      current === undefined || current.resetAt <= now
        ? { count: 1, resetAt: now + ttlMs }
        : { count: current.count + 1, resetAt: current.resetAt };
    this.shared.counters.set(key, next);
    return Promise.resolve(next);
  }

  protected deleteCounter(key: string): Promise<void> {
    this.available();
    this.shared.counters.delete(key);
    return Promise.resolve();
  }

  protected insertAudit(body: string, record: Omit<T.AuditRecord, 'id'>): Promise<string> {
    this.available();
    const seq = ++this.shared.auditSeq;
    const id = formatAuditId(seq);
    this.shared.audit.push({ seq, time: record.time, record: assembleAuditRecord(id, body) });
    return Promise.resolve(id);
  }

  protected readAudit(
    filter: T.AuditFilter,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<T.AuditRecord[]> {
    this.available();
    const out: T.AuditRecord[] = [];
    for (let i = this.shared.audit.length - 1; i >= 0 && out.length < limit; i -= 1) {
      const row = this.shared.audit[i] as AuditRow;
      if (beforeSeq !== undefined && row.seq >= beforeSeq) continue;
      if (matchesAudit(row.record, filter)) out.push(structuredClone(row.record));
    }
    return Promise.resolve(out);
  }

  /** Removes a prefix of the log: beyond `keepLatest`, then up to the first record not older than `olderThan`. */
  protected deleteAudit(retention: T.AuditRetention): Promise<number> {
    this.available();
    const log = this.shared.audit;
    let cut = retention.keepLatest === undefined ? 0 : Math.max(0, log.length - retention.keepLatest);
    const { olderThan } = retention;
    if (olderThan !== undefined) while (cut < log.length && (log[cut] as AuditRow).time < olderThan) cut += 1;
    log.splice(0, cut);
    return Promise.resolve(cut);
  }

  private deliver(notify: Notifications): void {
    for (const { channel, message } of notify)
      for (const subscription of this.shared.subscriptions)
        if (subscription.channel === channel) subscription.push(message);
  }

  protected publishAll(notify: Notifications): Promise<void> {
    this.available();
    this.deliver(notify);
    return Promise.resolve();
  }

  protected attach(subscription: Subscription): Promise<() => Promise<void>> {
    this.available();
    this.shared.subscriptions.add(subscription);
    this.mine.add(subscription);
    return Promise.resolve(() => {
      this.shared.subscriptions.delete(subscription);
      this.mine.delete(subscription);
      return Promise.resolve();
    });
  }

  protected ping(): Promise<void> {
    this.available();
    return Promise.resolve();
  }

  protected shutdown(): Promise<void> {
    for (const subscription of this.mine) {
      subscription.stop();
      this.shared.subscriptions.delete(subscription);
    }
    return Promise.resolve();
  }

  protected mapError(err: unknown): StoreError {
    return new StoreError('backend', 'the memory backend failed', { cause: err });
  }
}
