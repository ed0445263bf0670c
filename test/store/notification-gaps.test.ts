/**
 * Notifications a replica never read must not be lost silently. Redis: the stream is
 * trimmed (MAXLEN) past a reader whose pub/sub wake-ups were lost (a stalled subscriber
 * connection leaves only the 5 s backstop), or the stream goes back (Redis lost entries
 * and the new ids are lower than the reader's cursor). SQLite: another process prunes
 * change rows (after the retention) that a paused process had not polled yet. In each
 * case the subscriber must be told to re-read what it keeps, and delivery must go on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { RedisStore } from '../../src/store/redis.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from '../helpers/async.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { redisOptions } from './redis-fixture.js';
import { sqliteOptions, suiteTempDirs } from './sqlite-fixture.js';

describe('Redis: notifications trimmed or lost before a replica read them', () => {
  let server: TestRedisServer;
  const stores: Store[] = [];
  before(async () => {
    server = await startRedisServer({ appendOnly: true });
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    await server.stop();
  });

  const subscribed = async (streamMaxLen?: number) => {
    const options = redisOptions(server, streamMaxLen === undefined ? {} : { streamMaxLen });
    const publisher = new RedisStore(options, { clock: new ManualClock() });
    const subscriber = new RedisStore(options, { clock: new ManualClock() });
    stores.push(publisher, subscriber);
    const got: string[] = [];
    let resyncs = 0;
    await subscriber.subscribe('revocations', (m) => void got.push(m), {
      onResync: () => void (resyncs += 1),
    });
    await publisher.publish('revocations', 'm0');
    await waitFor(() => got.includes('m0'), 'm0');
    return { publisher, got, resyncs: () => resyncs, stream: `${options.keyPrefix}s:revocations` };
  };

  it('tells the subscriber to re-read when the stream was trimmed past its cursor', async () => {
    const { got, resyncs, stream } = await subscribed(10);
    // What the write script does, minus the PUBLISH wake-ups this replica did not get
    // (its subscriber connection stalled): 300 revocations, trimmed to about 10.
    for (let i = 1; i <= 300; i += 1)
      await server.command('XADD', stream, 'MAXLEN', '~', 10, '*', 'm', `m${i}`);
    assert.equal(
      await server
        .command('XRANGE', stream, '-', '+', 'COUNT', 1)
        .then((r) => JSON.stringify(r).includes('"m1"')),
      false,
    );
    await server.command('PUBLISH', stream, 'wake');
    await waitFor(() => got.includes('m300'), 'the newest revocation');
    assert.ok(got.length < 301, 'trimmed entries cannot be delivered');
    await waitFor(() => resyncs() >= 1, 'a resync for the revocations trimmed before they were read', 2000);
  });

  it('follows a stream whose ids went back below the cursor (Redis lost entries)', async () => {
    const { publisher, got, resyncs, stream } = await subscribed();
    // An entry from a master whose clock was an hour ahead, then lost with the stream.
    await server.command('XADD', stream, `${Date.now() + 3_600_000}-0`, 'm', 'ahead');
    await server.command('PUBLISH', stream, 'wake');
    await waitFor(() => got.includes('ahead'), 'the entry from the clock ahead');
    await server.command('DEL', stream);
    await publisher.publish('revocations', 'lost-1');
    await waitFor(() => resyncs() >= 1, 'a resync for the entries lost below the cursor', 7000);
    await publisher.publish('revocations', 'after');
    await waitFor(() => got.includes('after'), 'delivery resumes after the stream went back', 7000);
  });
});

describe('SQLite: change rows pruned before a process polled them', () => {
  const dir = suiteTempDirs();

  it('tells the subscriber to re-read when rows after its cursor were pruned', async () => {
    const data = join(dir(), 'data');
    const clock = new ManualClock();
    const writer = SqliteStore.open(sqliteOptions(data), { clock });
    // A process that does not poll meanwhile (paused longer than the retention).
    const paused = SqliteStore.open(sqliteOptions(data, { pollIntervalMs: 60_000 }), { clock });
    try {
      const got: string[] = [];
      let resyncs = 0;
      await paused.subscribe('tokens', (m) => void got.push(m), { onResync: () => void (resyncs += 1) });
      await writer.publish('tokens', 'deleted-1');
      clock.advance(300_001);
      writer.sweep();
      await paused.publish('other', 'wakes its poll');
      await waitFor(() => resyncs >= 1, 'a resync for the pruned rows', 2000);
      assert.equal(got.length, 0, 'the pruned row cannot be delivered');
      await writer.publish('tokens', 'deleted-2');
      clock.advance(300_001);
      writer.sweep();
      await writer.publish('tokens', 'deleted-3');
      await paused.publish('other', 'wakes its poll');
      await waitFor(() => got.includes('deleted-3'), 'the row after the pruned one');
      await waitFor(() => resyncs >= 2, 'a resync for the pruned row before it', 2000);
    } finally {
      await writer.close();
      await paused.close();
    }
  });
});
