/**
 * Child process of durability.test.ts: opens a store and writes documents one after
 * another, printing `ack <id>` only after each write was acknowledged. The parent
 * kills it with SIGKILL mid-stream. Usage: durability-child.ts sqlite <dataDir> |
 * durability-child.ts redis <url> <keyPrefix>
 */
import { systemClock } from '../../src/clock.js';
import { RedisStore } from '../../src/store/redis.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { sqliteOptions } from './sqlite-fixture.js';

const [backend, target, prefix] = process.argv.slice(2);
if (target === undefined) throw new Error('usage: durability-child.ts sqlite|redis <target> [prefix]');

const store: Store =
  backend === 'sqlite'
    ? SqliteStore.open(sqliteOptions(target), { clock: systemClock })
    : new RedisStore(
        {
          url: target,
          keyPrefix: prefix ?? 'durable:{gh}:',
          tls: false,
          commandTimeoutMs: 2000,
          connectTimeoutMs: 2000,
        },
        { clock: systemClock },
      );

// Bounded, so an orphaned child stops on its own.
for (let i = 0; i < 20_000; i += 1) {
  const id = `doc-${i}`;
  await store.transact([
    { op: 'put', collection: 'durable', id, value: { i, pad: 'x'.repeat(200) } },
    { op: 'put', collection: 'durable-index', id: `by-number-${i}`, value: id },
  ]);
  process.stdout.write(`ack ${id}\n`);
}
await store.close();
