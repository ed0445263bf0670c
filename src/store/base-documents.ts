/**
 * Documents and counters, for every backend: argument checks, the single-document
 * methods as one-op transactions, and paging. A backend implements the protected
 * primitives below.
 */
import { StoreCore, toPage, type Notifications } from './base-core.js';
import { StoreError } from './errors.js';
import { idRange, type IdRange } from './lex.js';
import type * as T from './types.js';
import {
  checkCollection,
  checkId,
  checkLimit,
  checkTtl,
  planNotifications,
  planOps,
  type PlannedOp,
} from './validate.js';

export abstract class DocumentStore extends StoreCore {
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
}
