import { after, before } from 'node:test';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { runStoreContract } from './contract.js';
import { redisFixture } from './redis-fixture.js';

// A one-node Redis Cluster still enforces CROSSSLOT: the whole contract passing here
// proves every script and multi-key command stays in the prefix's hash-tag slot.
let server: TestRedisServer | undefined;

before(async () => {
  server = await startRedisServer({ cluster: true });
});
after(() => server?.stop());

const current = (): TestRedisServer => {
  if (server === undefined) throw new Error('redis-server is not running');
  return server;
};

runStoreContract('redis cluster', () =>
  redisFixture(current, (s) => ({ cluster: [{ host: '127.0.0.1', port: s.port }] })),
);
