/**
 * The `store` section of the config schema: sqlite, redis (single, Sentinel, Cluster)
 * or memory, staleness and audit retention. Every key carries its `.describe()` text,
 * which the JSON Schema and docs/configuration.md are generated from.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';
import { secretRef, type SecretContext } from './secret-ref.js';

const endpointSchema = z.strictObject({
  host: z.string().min(1).describe('Host name or IP address.'),
  port: z.number().int().min(1).max(65_535).describe('TCP port.'),
});

/**
 * The `store` section: where control-plane state lives. `sqlite` (default) for one
 * node, `redis` for several replicas, `memory` for tests. A relative `sqlite.dataDir`
 * is resolved against the config file's folder (like `{file: ...}` secrets), so the
 * parsed value is always absolute and does not depend on the working directory.
 */
export function createStoreSchema(secrets: SecretContext) {
  const sqliteSchema = z
    .strictObject({
      dataDir: z
        .string()
        .min(1)
        .default('./data')
        .transform((dir) => (isAbsolute(dir) ? dir : resolve(secrets.baseDir, dir)))
        .describe(
          "Folder of `gatehouse.db` (relative to the config file's folder; created with mode 0700). WAL with `synchronous=FULL`: an acknowledged write survives `kill -9`.",
        ),
      pollIntervalMs: z
        .number()
        .int()
        .min(10)
        .max(60_000)
        .default(250)
        .describe('How often a process looks for changes written by another process on the same file.'),
      busyTimeoutMs: z
        .number()
        .int()
        .min(0)
        .max(60_000)
        .default(5000)
        .describe("How long a write waits for another process's lock (it blocks the event loop meanwhile)."),
      sweepIntervalMs: z
        .number()
        .int()
        .min(1000)
        .max(3_600_000)
        .default(60_000)
        .describe('How often expired documents, counters and old notifications are deleted.'),
    })
    .describe('Settings of `type: sqlite`.');

  const redisSchema = z
    .strictObject({
      url: z
        .string()
        .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
        // The Redis client parses it with `new URL`, whose error quotes the whole URL,
        // password included: refuse it here, without quoting it.
        .refine(
          (url) => URL.canParse(url),
          'is not a valid URL (percent-encode reserved characters such as `#` or `@` in a password, or give the password in `password`)',
        )
        .default('redis://127.0.0.1:6379/0')
        .describe(
          'A `redis://` or `rediss://` URL of one Redis. With `sentinels` only its database number is used; with `cluster` it is ignored.',
        ),
      keyPrefix: z
        .string()
        .min(1)
        .max(100)
        .default('gatehouse:{gh}:')
        .describe(
          "Every key's prefix. Its `{hash tag}` keeps a transaction's keys in one slot: required for Cluster.",
        ),
      username: z.string().min(1).optional().describe('ACL user name. Absent: the default user.'),
      password: secretRef(secrets).optional().describe('Password (a secret reference). Absent: none.'),
      tls: z.boolean().default(false).describe('Connect to Redis over TLS.'),
      sentinels: z
        .array(endpointSchema)
        .min(1)
        .optional()
        .describe('Sentinel: the sentinels (`{host, port}`); needs `name`; not with `cluster`.'),
      name: z.string().min(1).optional().describe('Sentinel: the master group name.'),
      sentinelPassword: secretRef(secrets)
        .optional()
        .describe("Sentinel: the sentinels' own password (a secret reference). Absent: none."),
      cluster: z
        .array(endpointSchema)
        .min(1)
        .optional()
        .describe('Cluster: some of its nodes (`{host, port}`); `keyPrefix` needs a `{hash tag}`.'),
      commandTimeoutMs: z
        .number()
        .int()
        .min(50)
        .max(60_000)
        .default(2000)
        .describe(
          'Any command (queued during a reconnect or sent) fails after this long: the control plane answers 503, auth decisions fail closed.',
        ),
      connectTimeoutMs: z
        .number()
        .int()
        .min(100)
        .max(60_000)
        .default(5000)
        .describe('Longest wait for a connection to Redis.'),
      requireDurability: z
        .boolean()
        .default(true)
        .describe(
          'Refuse to start unless Redis persists writes (`appendonly yes`); `false`: start with a warning and `gatehouse_store_durable 0`. Revocations and deletions wait for persistence either way (WAITAOF on Redis ≥ 7.2, else WAIT for a replica).',
        ),
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
    }, ONLY_IF_VALID)
    .describe('Settings of `type: redis`: one Redis, Sentinel or Cluster.');

  const auditRetentionSchema = z
    .strictObject({
      maxAgeDays: z
        .number()
        .int()
        .min(1)
        .max(36_500)
        .optional()
        .describe('Records older than this are pruned (hourly). Absent: no age limit.'),
      maxCount: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Only this many newest records are kept (pruned hourly). Absent: no count limit.'),
    })
    .describe('How long the audit log is kept. Absent keys: kept for ever.');

  return z.strictObject({
    type: z
      .enum(['sqlite', 'redis', 'memory'])
      .default('sqlite')
      .describe(
        '`sqlite` (one node), `redis` (several replicas) or `memory` (tests only: nothing survives a restart).',
      ),
    maxStaleSec: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(30)
      .describe(
        '`/readyz` fails once this replica has served state it knows to be out of date (it cannot re-read the store) for longer than this; `0`: never (operations.md).',
      ),
    sqlite: sqliteSchema.prefault({}),
    redis: redisSchema.prefault({}),
    auditRetention: auditRetentionSchema.prefault({}),
  });
}

export type StoreConfig = z.output<ReturnType<typeof createStoreSchema>>;

/** True when `prefix` decides the hash slot of every key: Redis hashes the text between the first `{` and the next `}` if non-empty. */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open < 0) return false;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}
