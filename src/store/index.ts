/**
 * Builds the configured store. Repositories depend on the Store interface only.
 */
import type { StoreConfig } from '../config/schema-store.js';
import type { StoreContext } from './base.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export * from './errors.js';
export type * from './types.js';
export type { StoreContext } from './base.js';

/** Notifications older than this are pruned from SQLite's `changes` table. */
const SQLITE_CHANGE_RETENTION_MS = 5 * 60_000;
const AUDIT_PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Opens the store. SQLite opens (and migrates) synchronously and fails here on a bad
 * folder or a newer schema. Redis must answer: its persistence settings are read here,
 * and a Redis that does not persist writes is refused (StoreNotDurableError) unless
 * `redis.requireDurability` is false. Audit retention, when configured, prunes hourly.
 */
export async function createStore(config: StoreConfig, ctx: StoreContext): Promise<Store> {
  let store: SqliteStore | RedisStore | MemoryStore;
  switch (config.type) {
    case 'memory':
      store = new MemoryStore(ctx);
      break;
    case 'sqlite':
      store = SqliteStore.open({ ...config.sqlite, changeRetentionMs: SQLITE_CHANGE_RETENTION_MS }, ctx);
      break;
    case 'redis': {
      const redis = new RedisStore(config.redis, ctx);
      try {
        await redis.checkDurability();
      } catch (err) {
        await redis.close();
        throw err;
      }
      store = redis;
      break;
    }
  }
  // SQLite commits with synchronous=FULL; Redis reports its own (redis-persistence.ts).
  if (config.type !== 'redis') ctx.metrics?.storeDurable.set(config.type === 'sqlite' ? 1 : 0);
  const { maxAgeDays, maxCount } = config.auditRetention;
  if (maxAgeDays !== undefined || maxCount !== undefined) {
    const prune = (): void => {
      const retention = {
        ...(maxAgeDays === undefined ? {} : { olderThan: ctx.clock.now() - maxAgeDays * 86_400_000 }),
        ...(maxCount === undefined ? {} : { keepLatest: maxCount }),
      };
      store.pruneAudit(retention).catch((err: unknown) => ctx.logger?.warn({ err }, 'audit pruning failed'));
    };
    const timer = setInterval(prune, AUDIT_PRUNE_INTERVAL_MS).unref();
    store.onClose(() => clearInterval(timer));
  }
  return store;
}
