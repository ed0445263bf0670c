/**
 * The only file that imports ioredis. Builds a client for a single Redis, Sentinel or
 * Cluster and exposes the narrow surface the store needs: scripts, plain commands, a
 * dedicated subscriber connection and a dedicated persistence connection (WAIT and
 * WAITAOF block the connection they run on, so they never run on the shared one).
 *
 * Failure policy (a store that cannot answer must fail the request, not hang it):
 * - commandTimeout: every command, queued or sent, rejects after `commandTimeoutMs`.
 * - enableOfflineQueue: true, so a command issued during a short reconnect (failover,
 *   restart) is sent once the connection is back instead of failing at once; the
 *   timeout above bounds the wait, and maxRetriesPerRequest (2) flushes the queue
 *   after two failed reconnection attempts, so a Redis that stays down fails fast.
 * - autoResendUnfulfilledCommands: false. A command whose connection broke after it
 *   was sent may have run; resending could apply a write twice (a create would then
 *   conflict with itself), so it times out as "unavailable" (outcome unknown) instead.
 * - retryStrategy: reconnect forever with capped backoff, so the store recovers.
 * - A client-side deadline of `commandTimeoutMs` wraps every call as well: ioredis does
 *   not apply commandTimeout to commands waiting in a Cluster's offline queue (a
 *   cluster that never becomes ready would hang them forever).
 * - Once the connection has been down for longer than `commandTimeoutMs`, commands
 *   fail at once instead of each waiting out the timeout (a request path that reads
 *   the store answers 503 quickly during a long outage); they queue again as soon as
 *   the connection is back.
 */
import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/log.js';

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface RedisConnectionOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls: boolean;
  readonly sentinels?: readonly RedisEndpoint[] | undefined;
  /** Sentinel master group name. */
  readonly name?: string | undefined;
  readonly sentinelPassword?: string | undefined;
  readonly cluster?: readonly RedisEndpoint[] | undefined;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export type RedisArg = string | number;

export interface RedisSubscriber {
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Called on every (re)connection; subscriptions are not renewed automatically. */
  onReady(listener: () => void): void;
  onMessage(listener: (channel: string, message: string) => void): void;
}

export interface RedisLink {
  run(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown>;
  call(command: string, ...args: RedisArg[]): Promise<unknown>;
  /** The dedicated subscriber connection, created on first use. */
  subscriber(): RedisSubscriber;
  /**
   * On a dedicated connection (created on first use; WAIT/WAITAOF block the connection
   * they run on): INCR `marker`, then `wait` (WAIT or WAITAOF), in one pipeline, so the
   * wait covers the marker write. Answers the wait command's reply.
   */
  persist(marker: string, wait: readonly RedisArg[]): Promise<unknown>;
  /** Called whenever the command connection becomes ready again after it was lost. */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}

type Client = Redis | Cluster;

/** Whether Redis answered with an error reply (as opposed to a broken or slow connection). */
export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function createClient(options: RedisConnectionOptions): Client {
  const common: RedisOptions = {
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls ? { tls: {} } : {}),
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: 2,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
  };
  const retry = (times: number): number => Math.min(50 * 2 ** Math.min(times, 6), 2000);
  if (options.cluster !== undefined && options.cluster.length > 0) {
    return new Cluster(
      options.cluster.map((n) => ({ host: n.host, port: n.port })),
      { redisOptions: common, enableOfflineQueue: true, clusterRetryStrategy: retry, scaleReads: 'master' },
    );
  }
  const base: RedisOptions = { ...common, enableOfflineQueue: true, retryStrategy: retry };
  if (options.sentinels !== undefined && options.sentinels.length > 0) {
    return new Redis({
      ...base,
      sentinels: options.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: options.name ?? 'mymaster',
      db: Number(new URL(options.url).pathname.slice(1) || '0'),
      ...(options.sentinelPassword === undefined ? {} : { sentinelPassword: options.sentinelPassword }),
    });
  }
  return new Redis(options.url, base);
}

function logErrors(client: Client, logger: Logger | undefined, role: string): void {
  let last = '';
  let lastAt = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (err.message === last && now - lastAt < 10_000) return;
    last = err.message;
    lastAt = now;
    logger?.warn({ err: { message: err.message }, role }, 'redis connection error');
  });
}

/** Rejects with "Command timed out" when `promise` has not settled after `ms`. */
function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Command timed out')), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function closeClient(client: Client, ms: number): Promise<void> {
  try {
    await deadline(client.quit(), ms);
  } catch {
    client.disconnect();
  }
}

export function connectRedis(options: RedisConnectionOptions, logger?: Logger): RedisLink {
  const client = createClient(options);
  logErrors(client, logger, 'commands');
  let sub: Client | undefined;
  let persister: Client | undefined;
  let downSince: number | undefined;
  let readies = 0;
  const reconnectListeners: (() => void)[] = [];
  client.on('ready', () => {
    downSince = undefined;
    readies += 1;
    if (readies > 1) for (const listener of reconnectListeners) listener();
  });
  client.on('close', () => (downSince ??= performance.now()));
  const reachable = (): void => {
    if (downSince !== undefined && performance.now() - downSince > options.commandTimeoutMs)
      throw new Error(`Redis has been unreachable for more than ${options.commandTimeoutMs} ms`);
  };

  const subscriber = (): RedisSubscriber => {
    if (sub === undefined) {
      // No ready check (INFO) on this connection: on a reconnection ioredis may send it
      // while the connection is already in subscriber mode, where Redis refuses INFO
      // ("only (P|S)SUBSCRIBE ... allowed in this context") and the subscribe fails.
      sub =
        client instanceof Cluster
          ? client.duplicate(undefined, {
              redisOptions: { ...client.options.redisOptions, enableReadyCheck: false },
            })
          : client.duplicate({ enableReadyCheck: false });
      logErrors(sub, logger, 'subscriber');
    }
    const conn = sub;
    return {
      subscribe: async (channel) => void (await deadline(conn.subscribe(channel), options.commandTimeoutMs)),
      unsubscribe: async (channel) =>
        void (await deadline(conn.unsubscribe(channel), options.commandTimeoutMs)),
      onReady: (listener) => void conn.on('ready', listener),
      onMessage: (listener) => void conn.on('message', listener),
    };
  };

  return {
    async run(script, keys, args) {
      reachable();
      const evaluate = async (): Promise<unknown> => {
        try {
          return await client.call('EVALSHA', [script.sha, keys.length, ...keys, ...args]);
        } catch (err) {
          if (!isReplyError(err) || !err.message.startsWith('NOSCRIPT')) throw err;
          return client.call('EVAL', [script.source, keys.length, ...keys, ...args]);
        }
      };
      return deadline(evaluate(), options.commandTimeoutMs);
    },
    call: async (command, ...args) => {
      reachable();
      return deadline(client.call(command, args), options.commandTimeoutMs);
    },
    subscriber,
    async persist(marker, wait) {
      reachable();
      if (persister === undefined) {
        persister = client.duplicate();
        logErrors(persister, logger, 'persistence');
      }
      const replies = await deadline(
        persister
          .pipeline()
          .incr(marker)
          .call(String(wait[0]), ...wait.slice(1))
          .exec(),
        options.commandTimeoutMs,
      );
      for (const [err] of replies ?? []) if (err) throw err;
      return replies?.[1]?.[1];
    },
    onReconnect: (listener) => void reconnectListeners.push(listener),
    async close() {
      const ms = options.commandTimeoutMs;
      const open = [client, sub, persister].filter((c): c is Client => c !== undefined);
      await Promise.all(open.map((c) => closeClient(c, ms)));
    },
  };
}
