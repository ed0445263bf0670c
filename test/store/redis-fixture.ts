import { ManualClock } from '../../src/clock.js';
import { RedisStore, type RedisStoreOptions } from '../../src/store/redis.js';
import type { TestRedisServer } from '../helpers/redis-server.js';
import { StoreSet, type StoreFixture } from './fixture.js';

let prefixes = 0;

export function redisOptions(
  server: TestRedisServer,
  overrides: Partial<RedisStoreOptions> = {},
): RedisStoreOptions {
  return {
    url: server.url,
    keyPrefix: `t${process.pid}-${++prefixes}:{gh}:`,
    tls: false,
    commandTimeoutMs: 1000,
    connectTimeoutMs: 1000,
    ...overrides,
  };
}

/** A fresh key prefix per fixture on a shared server; every open() is another client. */
export function redisFixture(
  server: () => TestRedisServer,
  extra: (server: TestRedisServer) => Partial<RedisStoreOptions> = () => ({}),
): Promise<StoreFixture> {
  const clock = new ManualClock();
  const stores = new StoreSet();
  const options = redisOptions(server(), extra(server()));
  return Promise.resolve({
    clock,
    open: () => Promise.resolve(stores.add(new RedisStore(options, { clock }))),
    outage: {
      begin: () => server().kill9(),
      end: () => server().restart(),
    },
    cleanup: () => stores.closeAll(),
  });
}
