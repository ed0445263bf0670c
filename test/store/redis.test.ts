import { after, before } from 'node:test';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { runStoreContract } from './contract.js';
import { redisFixture } from './redis-fixture.js';

let server: TestRedisServer | undefined;

before(async () => {
  server = await startRedisServer();
});
after(() => server?.stop());

const current = (): TestRedisServer => {
  if (server === undefined) throw new Error('redis-server is not running');
  return server;
};

runStoreContract('redis', () => redisFixture(current));
