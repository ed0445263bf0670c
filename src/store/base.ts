/**
 * What every backend shares: argument checks, the single-document methods as one-op
 * transactions, paging, the closed state, error mapping and the failure metric.
 * A backend implements the protected primitives below and nothing else.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import {
  assembleAuditRecord,
  buildAuditBody,
  checkAuditQuery,
  checkRetention,
  encodeAuditBody,
  parseAuditCursor,
} from './audit.js';
import { StoreClosedError, StoreError } from './errors.js';
import { idRange, type IdRange } from './lex.js';
import { Subscription } from './subscription.js';
import type * as T from './types.js';
import {
  checkChannel,
  checkCollection,
  checkId,
  checkLimit,
  checkMessage,
  checkTtl,
  planNotifications,
  planOps,
  type PlannedOp,
} from './validate.js';

export interface StoreContext {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: GatehouseMetrics;
}

export type Notifications = readonly T.Notification[];
export type { IdRange } from './lex.js';

/** `limit + 1` items read → a page of `limit` with a cursor when more follow. */
function toPage<I extends { readonly id: string }>(items: I[], limit: number): T.Page<I> {
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  return { items: page, next: page[page.length - 1]?.id ?? '' };
}

export abstract class BaseStore implements T.Store {
  abstract readonly backend: T.Store['backend'];
  private closed = false;
  private readonly closeHooks: (() => void)[] = [];

  constructor(protected readonly ctx: StoreContext) {}

  protected abstract readDocument(
    collection: string,
    id: string,
    now: number,
  ): Promise<T.StoredDocument | undefined>;
  /** Live documents in `range`, ordered by id, at most `limit`. */
  protected abstract readRange(
    collection: string,
    range: IdRange,
    limit: number,
    now: number,
  ): Promise<T.StoredDocument[]>;
  protected abstract countLive(collection: string, now: number): Promise<number>;
  protected abstract writeOps(
    ops: readonly PlannedOp[],
    notify: Notifications,
    now: number,
  ): Promise<T.WriteResult[]>;
  protected abstract incrementCounter(key: string, ttlMs: number, now: number): Promise<T.CounterState>;
  protected abstract deleteCounter(key: string): Promise<void>;
  /** Appends the encoded record body (everything but the id); answers the assigned id. */
  protected abstract insertAudit(body: string, record: Omit<T.AuditRecord, 'id'>): Promise<string>;
  /** Matching records with a sequence below `beforeSeq`, newest first, at most `limit`. */
  protected abstract readAudit(
    filter: T.AuditFilter,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<T.AuditRecord[]>;
  protected abstract deleteAudit(retention: T.AuditRetention): Promise<number>;
  protected abstract publishAll(notify: Notifications): Promise<void>;
  /** Starts delivering to `subscription`; answers how to stop. */
  protected abstract attach(subscription: Subscription): Promise<() => Promise<void>>;
  protected abstract ping(): Promise<void>;
  protected abstract shutdown(): Promise<void>;
  /** Turns a backend error into a StoreError (StoreUnavailableError when the backend failed). */
  protected abstract mapError(err: unknown): StoreError;

  private async run<R>(operation: string, fn: () => Promise<R>): Promise<R> {
    if (this.closed) throw new StoreClosedError();
    try {
      return await fn();
    } catch (err) {
      const mapped = err instanceof StoreError ? err : this.mapError(err);
      if (mapped.code === 'unavailable' || mapped.code === 'backend')
        this.ctx.metrics?.storeErrors.labels(operation).inc();
      throw mapped;
    }
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  get(collection: string, id: string): Promise<T.StoredDocument | undefined> {
    return this.run('get', () => {
      checkCollection(collection);
      checkId(id);
      return this.readDocument(collection, id, this.now());
    });
  }

  private async one(op: T.WriteOp): Promise<T.WriteResult> {
    const [result] = await this.writeOps(planOps([op]), [], this.now());
    if (result === undefined) throw new StoreError('backend', 'the backend answered no result');
    return result;
  }

  private async written(op: T.WriteOp): Promise<T.StoredDocument> {
    const result = await this.one(op);
    if (!('document' in result)) throw new StoreError('backend', 'the backend answered no document');
    return result.document;
  }

  create(
    collection: string,
    id: string,
    value: T.JsonInput,
    options: T.CreateOptions = {},
  ): Promise<T.StoredDocument> {
    return this.run('create', () => this.written({ op: 'create', collection, id, value, ...options }));
  }

  update(
    collection: string,
    id: string,
    value: T.JsonInput,
    options: T.UpdateOptions = {},
  ): Promise<T.StoredDocument> {
    return this.run('update', () => this.written({ op: 'update', collection, id, value, ...options }));
  }

  put(
    collection: string,
    id: string,
    value: T.JsonInput,
    options: T.CreateOptions = {},
  ): Promise<T.StoredDocument> {
    return this.run('put', () => this.written({ op: 'put', collection, id, value, ...options }));
  }

  delete(collection: string, id: string, options: T.DeleteOptions = {}): Promise<boolean> {
    return this.run('delete', async () => {
      const result = await this.one({ op: 'delete', collection, id, ...options });
      return result.op === 'delete' && result.deleted;
    });
  }

  list(collection: string, options: T.ListOptions): Promise<T.Page<T.StoredDocument>> {
    return this.run('list', async () => {
      checkCollection(collection);
      checkLimit(options.limit);
      const prefix = options.prefix ?? '';
      if (prefix !== '') checkId(prefix, 'prefix');
      if (options.after !== undefined) checkId(options.after, 'cursor');
      const range = idRange(prefix, options.after);
      return toPage(await this.readRange(collection, range, options.limit + 1, this.now()), options.limit);
    });
  }

  count(collection: string): Promise<number> {
    return this.run('count', () => {
      checkCollection(collection);
      return this.countLive(collection, this.now());
    });
  }

  transact(ops: readonly T.WriteOp[], options: T.TransactOptions = {}): Promise<T.WriteResult[]> {
    return this.run('transact', () =>
      this.writeOps(planOps(ops), planNotifications(options.notify), this.now()),
    );
  }

  increment(key: string, ttlMs: number): Promise<T.CounterState> {
    return this.run('increment', () => {
      checkId(key, 'counter key');
      checkTtl(ttlMs);
      return this.incrementCounter(key, ttlMs, this.now());
    });
  }

  resetCounter(key: string): Promise<void> {
    return this.run('resetCounter', () => {
      checkId(key, 'counter key');
      return this.deleteCounter(key);
    });
  }

  appendAudit(entry: T.AuditEntry): Promise<T.AuditRecord> {
    return this.run('appendAudit', async () => {
      const body = buildAuditBody(entry, this.now());
      const json = encodeAuditBody(body);
      return assembleAuditRecord(await this.insertAudit(json, body), json);
    });
  }

  queryAudit(filter: T.AuditFilter, options: T.AuditQueryOptions): Promise<T.Page<T.AuditRecord>> {
    return this.run('queryAudit', async () => {
      checkAuditQuery(filter, options.limit, options.after);
      const before = options.after === undefined ? undefined : parseAuditCursor(options.after);
      return toPage(await this.readAudit(filter, before, options.limit + 1), options.limit);
    });
  }

  pruneAudit(retention: T.AuditRetention): Promise<number> {
    return this.run('pruneAudit', () => {
      checkRetention(retention.olderThan, retention.keepLatest);
      if (retention.olderThan === undefined && retention.keepLatest === undefined) return Promise.resolve(0);
      return this.deleteAudit(retention);
    });
  }

  publish(channel: string, message: string): Promise<void> {
    return this.run('publish', () => {
      checkChannel(channel);
      checkMessage(message);
      return this.publishAll([{ channel, message }]);
    });
  }

  subscribe(
    channel: string,
    handler: T.NotificationHandler,
    options: T.SubscribeOptions = {},
  ): Promise<T.Unsubscribe> {
    return this.run('subscribe', async () => {
      checkChannel(channel);
      const subscription = new Subscription(channel, handler, this.ctx.logger, options.onResync);
      const detach = await this.attach(subscription);
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        subscription.stop();
        if (!this.closed) await detach();
      };
    });
  }

  health(): Promise<void> {
    return this.run('health', () => this.ping());
  }

  /** Runs `hook` when the store closes (timers owned by whoever built the store). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const hook of this.closeHooks.splice(0)) hook();
    await this.shutdown();
  }
}
