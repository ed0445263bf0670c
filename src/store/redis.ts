/**
 * The Redis backend, for several replicas. Key layout and Cluster hash tags:
 * redis-keys.ts; atomicity: one Lua script per operation (redis-scripts.ts);
 * timeouts and reconnection: redis-client.ts; notifications: redis-notify.ts;
 * durability (a document write answers only once persisted): redis-persistence.ts.
 *
 * Expiry follows the injected clock: each document stores `expiresAt` and every read
 * and script compares it with `now` from the clock, so a test's ManualClock expires
 * documents exactly like the other backends. PEXPIRE (the TTL itself) is the physical
 * backstop that frees memory; with the system clock both agree.
 */
import { BaseStore, type IdRange, type Notifications, type StoreContext } from './base.js';
import { StoreConflictError, StoreError, StoreNotFoundError } from './errors.js';
import {
  connectRedis,
  luaScript,
  type LuaScript,
  type RedisArg,
  type RedisConnectionOptions,
  type RedisLink,
} from './redis-client.js';
import { readAuditRange } from './redis-audit.js';
import { RedisKeys } from './redis-keys.js';
import type { DurabilityPlan } from './redis-durability.js';
import { RedisChangeFeed } from './redis-notify.js';
import { RedisPersistence } from './redis-persistence.js';
import { parseDocument, strings, toStoreError } from './redis-replies.js';
import * as lua from './redis-scripts.js';
import type { Subscription } from './subscription.js';
import type * as T from './types.js';
import type { PlannedOp } from './validate.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  readonly keyPrefix: string;
  /** Messages kept per notification channel for subscribers that reconnect. */
  readonly streamMaxLen?: number;
  /** Refuse to work with a Redis that does not persist writes (default true). */
  readonly requireDurability?: boolean;
}

const SCRIPTS = {
  write: luaScript(lua.WRITE),
  read: luaScript(lua.READ),
  purge: luaScript(lua.PURGE),
  increment: luaScript(lua.INCREMENT),
  auditAppend: luaScript(lua.AUDIT_APPEND),
  auditPrune: luaScript(lua.AUDIT_PRUNE),
};
const PURGE_BATCH = 1000;

export class RedisStore extends BaseStore {
  readonly backend = 'redis';
  private readonly link: RedisLink;
  private readonly keys: RedisKeys;
  private readonly feed: RedisChangeFeed;
  private readonly streamMaxLen: number;
  private readonly persistence: RedisPersistence;

  constructor(options: RedisStoreOptions, ctx: StoreContext) {
    super(ctx);
    this.link = connectRedis(options, ctx.logger);
    this.keys = new RedisKeys(options.keyPrefix);
    this.feed = new RedisChangeFeed(this.link, this.keys, ctx.logger);
    this.streamMaxLen = options.streamMaxLen ?? 10_000;
    this.persistence = new RedisPersistence({
      link: this.link,
      marker: this.keys.durabilityMarker(),
      commandTimeoutMs: options.commandTimeoutMs,
      requireDurability: options.requireDurability ?? true,
      logger: ctx.logger,
      metrics: ctx.metrics,
    });
  }

  /** Runs a traffic-policy script (rate limits) on keys placed under `P r:`; one round trip. */
  runPolicyScript(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown> {
    return this.link.run(
      script,
      keys.map((k) => this.keys.rateLimit(k)),
      args,
    );
  }

  /**
   * Reads Redis's persistence settings (done by createStore at start; otherwise before
   * the first write). StoreNotDurableError when Redis does not persist writes and
   * `requireDurability` is on.
   */
  async checkDurability(): Promise<DurabilityPlan> {
    try {
      return await this.persistence.check();
    } catch (err) {
      throw err instanceof StoreError ? err : this.mapError(err);
    }
  }

  protected async readDocument(
    collection: string,
    id: string,
    now: number,
  ): Promise<T.StoredDocument | undefined> {
    const reply = await this.link.call('HMGET', this.keys.doc(collection, id), 'v', 'r', 'c', 'u', 'e');
    return parseDocument(id, strings(reply), now);
  }

  private purge(collection: string, now: number): Promise<unknown> {
    const keys = [this.keys.index(collection), this.keys.expiry(collection)];
    return this.link.run(SCRIPTS.purge, keys, [now, PURGE_BATCH]);
  }

  protected async readRange(
    collection: string,
    range: IdRange,
    limit: number,
    now: number,
  ): Promise<T.StoredDocument[]> {
    await this.purge(collection, now);
    let min = range.lowerInclusive ? (range.lower === '' ? '-' : `[${range.lower}`) : `(${range.lower}`;
    const max = range.upper === undefined ? '+' : `(${range.upper}`;
    const out: T.StoredDocument[] = [];
    for (;;) {
      const ids = strings(
        await this.link.call('ZRANGEBYLEX', this.keys.index(collection), min, max, 'LIMIT', 0, limit),
      );
      if (ids.length === 0) return out;
      const fields = strings(
        await this.link.run(
          SCRIPTS.read,
          ids.map((id) => this.keys.doc(collection, id ?? '')),
          [],
        ),
      );
      for (const [i, id] of ids.entries()) {
        const doc = parseDocument(id ?? '', fields.slice(i * 5, i * 5 + 5), now);
        if (doc !== undefined) out.push(doc);
        if (out.length >= limit) return out;
      }
      // Entries whose documents vanished (expired) were skipped: read on after the last id.
      if (ids.length < limit) return out;
      min = `(${ids[ids.length - 1] ?? ''}`;
    }
  }

  protected async countLive(collection: string, now: number): Promise<number> {
    return Number(await this.purge(collection, now));
  }

  protected async writeOps(
    ops: readonly PlannedOp[],
    notify: Notifications,
    now: number,
  ): Promise<T.WriteResult[]> {
    const keys = ops.flatMap((op) => [
      this.keys.doc(op.collection, op.id),
      this.keys.index(op.collection),
      this.keys.expiry(op.collection),
    ]);
    const args: RedisArg[] = [now, ops.length, notify.length, this.streamMaxLen];
    for (const op of ops) {
      const expires = op.expiry === 'none' ? '' : op.expiry === 'keep' ? 'keep' : String(now + op.expiry);
      const ttl = typeof op.expiry === 'number' ? op.expiry : '';
      args.push(op.kind, op.id, op.expectedRevision ?? '', expires, ttl, op.value ?? '');
    }
    for (const n of notify) {
      keys.push(this.keys.stream(n.channel));
      args.push(this.keys.stream(n.channel), n.message);
    }
    if (ops.length > 0) await this.persistence.ready();
    const reply = strings(await this.link.run(SCRIPTS.write, keys, args));
    const [status, index, reason, revision] = reply;
    if (status !== 'ok') {
      const op = ops[Number(index)];
      if (op === undefined) throw new StoreError('backend', 'Redis answered an unexpected reply');
      if (status === 'not_found') throw new StoreNotFoundError(op.collection, op.id, Number(index));
      throw new StoreConflictError(
        op.collection,
        op.id,
        reason === 'exists' ? 'exists' : 'revision',
        Number(revision),
        Number(index),
      );
    }
    // Answer only once the write is persisted: a deletion must survive a Redis crash.
    if (ops.length > 0) await this.persistence.afterWrite();
    return ops.map((op, i): T.WriteResult => {
      const [a, b, c, d] = reply.slice(1 + i * 4, 5 + i * 4);
      if (op.kind === 'delete') return { op: 'delete', deleted: a === '1' };
      if (op.kind === 'check') return { op: 'check', revision: Number(a) };
      const doc = {
        id: op.id,
        value: JSON.parse(op.value ?? 'null') as T.JsonValue,
        revision: Number(a),
        createdAt: Number(b),
        updatedAt: Number(c),
      };
      return { op: op.kind, document: d === '' || d == null ? doc : { ...doc, expiresAt: Number(d) } };
    });
  }

  protected async incrementCounter(key: string, ttlMs: number, now: number): Promise<T.CounterState> {
    const [count, resetAt] = strings(
      await this.link.run(SCRIPTS.increment, [this.keys.counter(key)], [now, ttlMs, now + ttlMs]),
    );
    return { count: Number(count), resetAt: Number(resetAt) };
  }

  protected async deleteCounter(key: string): Promise<void> {
    await this.link.call('DEL', this.keys.counter(key));
  }

  protected async insertAudit(body: string): Promise<string> {
    return String(
      await this.link.run(SCRIPTS.auditAppend, [this.keys.audit(), this.keys.auditSeq()], [body]),
    );
  }

  protected async readAudit(
    filter: T.AuditFilter,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<T.AuditRecord[]> {
    return readAuditRange(this.link, this.keys.audit(), filter, beforeSeq, limit);
  }

  protected async deleteAudit(retention: T.AuditRetention): Promise<number> {
    const args = [retention.olderThan ?? '', retention.keepLatest ?? ''];
    return Number(await this.link.run(SCRIPTS.auditPrune, [this.keys.audit()], args));
  }

  protected async publishAll(notify: Notifications): Promise<void> {
    await this.writeOps([], notify, this.ctx.clock.now());
  }

  protected attach(subscription: Subscription): Promise<() => Promise<void>> {
    return this.feed.attach(subscription);
  }

  protected async ping(): Promise<void> {
    await this.link.call('PING');
  }

  protected async shutdown(): Promise<void> {
    this.feed.stop();
    await this.link.close();
  }

  protected mapError(err: unknown): StoreError {
    return toStoreError(err);
  }
}
