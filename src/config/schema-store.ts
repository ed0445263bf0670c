import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { hasHashTag } from '../store/redis-keys.js';
import { ONLY_IF_VALID } from './refine.js';
import { secretRef, type SecretContext } from './secret-ref.js';

const endpointSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
});

/**
 * The `store` section: where control-plane state lives. `sqlite` (default) for one
 * node, `redis` for several replicas, `memory` for tests. A relative `sqlite.dataDir`
 * is resolved against the config file's folder (like `{file: ...}` secrets), so the
 * parsed value is always absolute and does not depend on the working directory.
 */
export function createStoreSchema(secrets: SecretContext) {
  const sqliteSchema = z.strictObject({
    /** Folder of gatehouse.db, created with mode 0700. */
    dataDir: z
      .string()
      .min(1)
      .default('./data')
      .transform((dir) => (isAbsolute(dir) ? dir : resolve(secrets.baseDir, dir))),
    /** How often a process looks for notifications written by other processes. */
    pollIntervalMs: z.number().int().min(10).max(60_000).default(250),
    /** How long a write waits for another process's lock (it blocks the event loop meanwhile). */
    busyTimeoutMs: z.number().int().min(0).max(60_000).default(5000),
    /** How often expired documents, counters and old notifications are deleted. */
    sweepIntervalMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  });

  const redisSchema = z
    .strictObject({
      url: z
        .string()
        .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
        .default('redis://127.0.0.1:6379/0'),
      /** Must contain a `{hash tag}` for Cluster: every key of a transaction must share one slot. */
      keyPrefix: z.string().min(1).max(100).default('gatehouse:{gh}:'),
      username: z.string().min(1).optional(),
      password: secretRef(secrets).optional(),
      tls: z.boolean().default(false),
      /** Sentinel: the sentinels and the master group `name`. */
      sentinels: z.array(endpointSchema).min(1).optional(),
      name: z.string().min(1).optional(),
      sentinelPassword: secretRef(secrets).optional(),
      /** Cluster: some of its nodes. */
      cluster: z.array(endpointSchema).min(1).optional(),
      /** Any command (queued during a reconnect or sent) fails after this long: the store answers 503. */
      commandTimeoutMs: z.number().int().min(50).max(60_000).default(2000),
      connectTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
      /**
       * Refuse to start unless Redis persists writes (`appendonly yes`); with `false`, start
       * with a warning and `gatehouse_store_durable 0`. Revocations and deletions wait for
       * persistence either way (WAITAOF on Redis >= 7.2, else WAIT for a replica).
       */
      requireDurability: z.boolean().default(true),
    })
    .superRefine((redis, ctx) => {
      if (redis.sentinels !== undefined && redis.cluster !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['cluster'],
          message: 'use either sentinels or cluster, not both',
        });
      if (redis.sentinels !== undefined && redis.name === undefined)
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'sentinels need the master group name' });
      if (redis.cluster !== undefined && !hasHashTag(redis.keyPrefix))
        ctx.addIssue({
          code: 'custom',
          path: ['keyPrefix'],
          message: 'a Redis Cluster needs a {hash tag} in keyPrefix (e.g. "gatehouse:{gh}:")',
        });
    }, ONLY_IF_VALID);

  const auditRetentionSchema = z.strictObject({
    /** Records older than this are pruned (hourly). */
    maxAgeDays: z.number().int().min(1).max(36_500).optional(),
    /** Only this many newest records are kept. */
    maxCount: z.number().int().min(1).optional(),
  });

  return z.strictObject({
    type: z.enum(['sqlite', 'redis', 'memory']).default('sqlite'),
    /**
     * /readyz fails once this replica has served state it knows to be out of date (it
     * cannot re-read the store) for longer than this; 0 never fails readiness for it.
     */
    maxStaleSec: z.number().int().min(0).max(86_400).default(30),
    sqlite: sqliteSchema.prefault({}),
    redis: redisSchema.prefault({}),
    auditRetention: auditRetentionSchema.prefault({}),
  });
}

export type StoreConfig = z.output<ReturnType<typeof createStoreSchema>>;
