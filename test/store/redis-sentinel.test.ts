import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { RedisStore } from '../../src/store/redis.js';
import { freePort, redisCommand, startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/async.js';
import { redisOptions } from './redis-fixture.js';

/** A sentinel watching `masterPort` as group "mymaster". */
async function startSentinel(
  masterPort: number,
): Promise<{ port: number; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error('redis sentinel exited');
        const reply = await redisCommand(
          port,
          ['SENTINEL', 'get-master-addr-by-name', 'mymaster'],
          500,
        ).catch(() => null);
        return Array.isArray(reply) && reply[1] === String(masterPort);
      },
      'redis sentinel to start',
      10_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { port, child, dir };
}

describe('Redis through Sentinel', () => {
  let master: TestRedisServer;
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  before(async () => {
    master = await startRedisServer();
    sentinel = await startSentinel(master.port);
  });
  after(async () => {
    sentinel.child.kill('SIGKILL');
    rmSync(sentinel.dir, { recursive: true, force: true });
    await master.stop();
  });

  it('finds the master through the sentinels and works end to end', async () => {
    const options = {
      ...redisOptions(master),
      url: 'redis://ignored-with-sentinels/0',
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      name: 'mymaster',
    };
    const a = new RedisStore(options, { clock: new ManualClock() });
    const b = new RedisStore(options, { clock: new ManualClock() });
    try {
      const got: string[] = [];
      await b.subscribe('ch', (m) => void got.push(m));
      await a.transact([{ op: 'create', collection: 'c', id: 'x', value: 1 }], {
        notify: [{ channel: 'ch', message: 'created' }],
      });
      assert.equal((await b.get('c', 'x'))?.value, 1);
      await waitFor(() => got.length === 1, 'the notification');
      await a.health();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
