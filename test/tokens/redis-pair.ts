/**
 * Two real `gatehouse start` processes (A and B) on one private redis-server, with a
 * store client of the test's own and an admin API key: the setup of the propagation
 * tests. `untilRefused` polls B every ~5 ms and answers the delay since `start`;
 * `report` prints p50/p99 of the delays for the release notes.
 */
import { systemClock } from '../../src/clock.js';
import { createStoreSchema } from '../../src/config/schema-store.js';
import { createAdminKey } from '../../src/control/repository/admin-keys.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from '../helpers/async.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/process.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { bearer, postJson, putUsers, tokenConfig, type StateHolder, type UserSpec } from './support.js';

export interface RedisPair {
  readonly a: GatehouseProcess;
  readonly b: GatehouseProcess;
  readonly upstream: TestUpstream;
  readonly store: Store;
  readonly holder: StateHolder;
  /** A call to `gh`'s admin API with the admin key. */
  asAdmin(gh: GatehouseProcess, method: string, path: string, body: unknown): Promise<SimpleResponse>;
  /** The data-plane status `gh` answers for `token`. */
  status(gh: GatehouseProcess, path: string, token: string): Promise<number>;
  /** Polls `gh` every ~5 ms until it refuses `token`; the delay from `start` in ms. */
  untilRefused(gh: GatehouseProcess, path: string, token: string, start: bigint): Promise<number>;
  stop(): Promise<void>;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * (sorted.length - 1)))] as number;
}

function summary(name: string, delays: readonly number[]): string {
  const sorted = [...delays].sort((x, y) => x - y);
  const f = (ms: number): string => `${ms.toFixed(1)} ms`;
  return `${name}: n=${sorted.length} p50=${f(percentile(sorted, 0.5))} p99=${f(percentile(sorted, 0.99))} max=${f(sorted.at(-1) ?? 0)}`;
}

/** Prints each series and all of them together. */
export function report(results: Readonly<Record<string, readonly number[]>>): void {
  for (const [name, delays] of Object.entries(results))
    if (delays.length > 0) console.log(summary(name, delays));
  const all = Object.values(results).flat();
  if (all.length > 0) console.log(summary('all revocations', all));
}

/**
 * Starts the pair with `users` stored, once both processes accept `probe`'s password.
 * Whatever started is stopped again if a later step fails (no orphaned processes).
 */
export async function startRedisPair(users: readonly UserSpec[], probe: UserSpec): Promise<RedisPair> {
  const started: (() => Promise<unknown>)[] = [];
  try {
    return await start(users, probe, started);
  } catch (err) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

async function start(
  users: readonly UserSpec[],
  probe: UserSpec,
  started: (() => Promise<unknown>)[],
): Promise<RedisPair> {
  const redis: TestRedisServer = await startRedisServer();
  started.push(() => redis.stop());
  const upstream = await startUpstream('api');
  started.push(() => upstream.close());
  const config = tokenConfig(
    upstream.url,
    { bruteForce: { perUser: { maxAttempts: 1000 }, perAddress: { maxAttempts: 100_000 } } },
    { store: { type: 'redis', redis: { url: redis.url } }, logging: { level: 'info', accessLog: false } },
  );
  // A generous deadline: a loaded machine compiles the sources slowly.
  const processes = await Promise.allSettled(
    [0, 1].map(() => startGatehouseProcess(config, { startTimeoutMs: 60_000 })),
  );
  for (const p of processes) if (p.status === 'fulfilled') started.push(() => p.value.stop());
  const [a, b] = processes.map((p) => {
    if (p.status === 'rejected') throw p.reason;
    return p.value;
  }) as [GatehouseProcess, GatehouseProcess];
  const store = await createStore(
    createStoreSchema({ baseDir: '.', env: {} }).parse({ type: 'redis', redis: { url: redis.url } }),
    { clock: systemClock },
  );
  started.push(() => store.close());
  const holder: StateHolder = { store, state: { refresh: () => Promise.resolve() } };
  const adminKey = (await createAdminKey(store, systemClock, 'tests')).key;
  await putUsers(holder, [...users, probe]);
  for (const gh of [a, b])
    await waitFor(
      async () =>
        (
          await postJson(gh.adminUrl, '/api/v1/auth/tokens', {
            grant_type: 'password',
            username: probe.id,
            password: probe.password,
          })
        ).status === 200,
      'both processes know the users',
      30_000,
    );
  const status = async (gh: GatehouseProcess, path: string, token: string): Promise<number> =>
    (await send(gh.url, path, { headers: bearer(token) })).status;
  return {
    a,
    b,
    upstream,
    store,
    holder,
    status,
    asAdmin: (gh, method, path, body) =>
      send(gh.adminUrl, path, {
        method,
        headers: { ...bearer(adminKey), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    untilRefused: async (gh, path, token, start) => {
      await waitFor(
        async () => (await status(gh, path, token)) === 401,
        'the other replica to refuse the token',
        5000,
        5,
      );
      return Number(process.hrtime.bigint() - start) / 1e6;
    },
    stop: async () => {
      await store.close();
      await Promise.all([a.stop(), b.stop()]);
      await upstream.close();
      await redis.stop();
    },
  };
}
