/**
 * The state store of the control plane: a small, backend-agnostic set of primitives
 * (documents with revisions and TTLs, atomic multi-writes, counters, an audit log,
 * change notifications) that repositories build on. memory.ts, sqlite.ts and redis.ts
 * implement it; test/store/contract.ts proves them identical.
 *
 * Times are epoch milliseconds from the injected Clock. Ids and collection names are
 * compared as UTF-8 bytes (code-point order) by every backend.
 */

import type {
  AuditEntry,
  AuditFilter,
  AuditQueryOptions,
  AuditRecord,
  AuditRetention,
} from './audit-types.js';

export type * from './audit-types.js';

/** A JSON value, as every read returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

/**
 * What a write accepts: null, booleans, finite numbers, strings, arrays and plain
 * objects (object members that are `undefined` are dropped), so that what is read back
 * equals what was written. Anything else (Date, Map, class instances, NaN, bigint,
 * functions) is rejected at run time with StoreInvalidArgumentError. Typed `unknown`
 * so domain types with `unknown` members (claims, details) need no casts.
 */
export type JsonInput = unknown;

export interface StoredDocument {
  readonly id: string;
  /** A fresh copy parsed from storage: mutating it changes nothing stored. */
  readonly value: JsonValue;
  /** 1 when created, +1 on every write. Compare-and-set with `expectedRevision`. */
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Absent when the document never expires. A document is gone once `now >= expiresAt`. */
  readonly expiresAt?: number;
}

export interface CreateOptions {
  /** Lifetime from now; absent: never expires. */
  readonly ttlMs?: number;
}

export interface UpdateOptions {
  /** Fail with StoreConflictError unless the stored revision is this one. */
  readonly expectedRevision?: number;
  /** A new lifetime from now; `null` removes the expiry; absent keeps the current one. */
  readonly ttlMs?: number | null;
}

export interface DeleteOptions {
  /** Fail with StoreConflictError (StoreNotFoundError when absent) unless the revision matches. */
  readonly expectedRevision?: number;
}

export interface ListOptions {
  /** Only ids starting with this string. */
  readonly prefix?: string;
  /** Cursor: only ids strictly after this one (pass the previous page's `next`). */
  readonly after?: string;
  /** 1..1000. */
  readonly limit: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items may follow: pass it as `after` for the next page. */
  readonly next?: string;
}

/** One write of a transaction. The same checks apply as for the single-document methods. */
export type WriteOp =
  | {
      readonly op: 'create';
      readonly collection: string;
      readonly id: string;
      readonly value: JsonInput;
      readonly ttlMs?: number;
    }
  | {
      readonly op: 'update';
      readonly collection: string;
      readonly id: string;
      readonly value: JsonInput;
      readonly expectedRevision?: number;
      readonly ttlMs?: number | null;
    }
  | {
      readonly op: 'put';
      readonly collection: string;
      readonly id: string;
      readonly value: JsonInput;
      readonly ttlMs?: number;
    }
  | {
      readonly op: 'delete';
      readonly collection: string;
      readonly id: string;
      readonly expectedRevision?: number;
    }
  /** Writes nothing; fails the transaction unless the document exists (at `expectedRevision`, if given). */
  | {
      readonly op: 'check';
      readonly collection: string;
      readonly id: string;
      readonly expectedRevision?: number;
    };

export type WriteResult =
  | { readonly op: 'create' | 'update' | 'put'; readonly document: StoredDocument }
  | { readonly op: 'delete'; readonly deleted: boolean }
  | { readonly op: 'check'; readonly revision: number };

export interface Notification {
  readonly channel: string;
  readonly message: string;
}

export interface TransactOptions {
  /** Published if and only if the transaction commits (same SQLite transaction / Redis script). */
  readonly notify?: readonly Notification[];
}

export interface CounterState {
  /** Increments in the current window, this one included. */
  readonly count: number;
  /** When the window ends and the count restarts at 1. */
  readonly resetAt: number;
}

/**
 * Receives one notification message. Messages of one subscription are delivered one
 * at a time, in publish order (an async handler is awaited); a throwing handler is
 * logged and the next message follows.
 */
export type NotificationHandler = (message: string) => void | Promise<void>;
export type Unsubscribe = () => Promise<void>;

export interface SubscribeOptions {
  /**
   * Called (through the same queue as messages) when messages may have been missed: a
   * notification read failed, the notification connection was re-established (the
   * backend may have restarted and lost data), or a poll failed. The subscriber cannot
   * trust its cache then: it should re-read everything it keeps, retrying until the read
   * succeeds.
   */
  readonly onResync?: () => void | Promise<void>;
}

export interface Store {
  readonly backend: 'memory' | 'sqlite' | 'redis';

  get(collection: string, id: string): Promise<StoredDocument | undefined>;
  /** StoreConflictError (`reason: 'exists'`) when a live document has this id. */
  create(collection: string, id: string, value: JsonInput, options?: CreateOptions): Promise<StoredDocument>;
  /** StoreNotFoundError when absent; StoreConflictError (`reason: 'revision'`) on a revision mismatch. */
  update(collection: string, id: string, value: JsonInput, options?: UpdateOptions): Promise<StoredDocument>;
  /** Create or replace (expiry included: absent `ttlMs` means none). Keeps `createdAt` of a replaced document. */
  put(collection: string, id: string, value: JsonInput, options?: CreateOptions): Promise<StoredDocument>;
  /** True when a live document was removed. */
  delete(collection: string, id: string, options?: DeleteOptions): Promise<boolean>;
  /** Live documents ordered by id (UTF-8 byte order). */
  list(collection: string, options: ListOptions): Promise<Page<StoredDocument>>;
  /** Live documents in the collection. */
  count(collection: string): Promise<number>;

  /**
   * All-or-nothing: every check passes and every write applies, or nothing changes and
   * the first failing op's error is thrown (with `opIndex`). At most 500 ops; one
   * document may appear only once.
   */
  transact(ops: readonly WriteOp[], options?: TransactOptions): Promise<WriteResult[]>;

  /** Fixed window: the window of `key` starts at its first increment and lasts `ttlMs`. Atomic across replicas. */
  increment(key: string, ttlMs: number): Promise<CounterState>;
  resetCounter(key: string): Promise<void>;

  appendAudit(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first. */
  queryAudit(filter: AuditFilter, options: AuditQueryOptions): Promise<Page<AuditRecord>>;
  /** Number of records removed. */
  pruneAudit(retention: AuditRetention): Promise<number>;

  /**
   * Delivers to every subscriber of `channel` on the backend, in every process
   * (this instance included), asynchronously.
   */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Once the returned promise resolves, every message published afterwards on this
   * backend is delivered at least once, in publish order, even across reconnects
   * (within the backend's retention window: 5 minutes of SQLite changes, the last
   * 10,000 messages of a Redis channel).
   */
  subscribe(channel: string, handler: NotificationHandler, options?: SubscribeOptions): Promise<Unsubscribe>;

  /** Rejects (StoreUnavailableError) when the backend cannot answer. Used by /readyz. */
  health(): Promise<void>;
  /** Stops timers and connections; every later call rejects with StoreClosedError. */
  close(): Promise<void>;
}
