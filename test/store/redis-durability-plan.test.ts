/**
 * How the Redis store decides to wait for persistence (issue #8), from the facts it
 * reads at start: the command chosen for each Redis version, fsync policy and replica
 * count, the refusal of `appendonly no`, and how the WAIT/WAITAOF replies are judged.
 * Redis 7.2 (WAITAOF) is not installed here, so its branch is checked on these facts;
 * redis-durability.test.ts runs the others against real redis-servers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreNotPersistedError } from '../../src/store/errors.js';
import {
  checkWaitReply,
  configValue,
  parseInfo,
  parseVersion,
  PersistRounds,
  planDurability,
  waitCommand,
  type PersistenceFacts,
} from '../../src/store/redis-durability.js';
import { deferred, type Deferred } from '../helpers/async.js';

const facts = (over: Partial<PersistenceFacts>): PersistenceFacts => ({
  appendOnly: true,
  appendFsync: 'everysec',
  version: [7, 0, 15],
  connectedReplicas: 0,
  source: 'config',
  ...over,
});

describe('Redis durability plan', () => {
  it('refuses appendonly no, naming the setting and the way out', () => {
    const plan = planDurability(facts({ appendOnly: false }));
    assert.equal(plan.refuse, true);
    assert.equal(plan.durable, false);
    assert.match(plan.problem ?? '', /appendonly is "no"/);
    assert.match(plan.problem ?? '', /requireDurability: false/);
    assert.match(
      planDurability(facts({ appendOnly: false, source: 'info' })).problem ?? '',
      /INFO persistence/,
    );
  });

  it('waits for nothing with appendfsync always (Redis fsyncs before it replies)', () => {
    for (const version of [
      [6, 2, 0],
      [7, 0, 15],
      [7, 2, 4],
    ] as const) {
      const plan = planDurability(facts({ appendFsync: 'always', version }));
      assert.deepEqual(plan, { durable: true, refuse: false, wait: { kind: 'none' } });
      assert.equal(waitCommand(plan.wait, 1000), undefined);
    }
  });

  it('sends WAITAOF 1 0 on Redis >= 7.2 with everysec or no', () => {
    for (const version of [
      [7, 2, 0],
      [7, 4, 1],
      [8, 0, 0],
    ] as const)
      for (const appendFsync of ['everysec', 'no', undefined] as const) {
        const plan = planDurability(facts({ version, appendFsync, connectedReplicas: 2 }));
        assert.deepEqual(plan.wait, { kind: 'waitaof' }, `${version.join('.')} ${String(appendFsync)}`);
        assert.equal(plan.durable, true);
        assert.deepEqual(waitCommand(plan.wait, 1500), ['WAITAOF', 1, 0, 1500]);
      }
  });

  it('sends WAIT 1 to a replica on older Redis with replicas', () => {
    const plan = planDurability(facts({ version: [7, 0, 15], connectedReplicas: 3 }));
    assert.deepEqual(plan.wait, { kind: 'wait', replicas: 1 });
    assert.equal(plan.durable, true);
    assert.deepEqual(waitCommand(plan.wait, 800), ['WAIT', 1, 800]);
  });

  it('names the loss window on older Redis without replicas (everysec, or CONFIG disabled)', () => {
    for (const appendFsync of ['everysec', 'no', undefined] as const) {
      const plan = planDurability(facts({ version: [7, 0, 15], appendFsync }));
      assert.equal(plan.durable, false);
      assert.equal(plan.refuse, false);
      assert.deepEqual(plan.wait, { kind: 'none' });
      assert.match(plan.problem ?? '', /can lose the last writes/);
    }
  });

  it('judges WAITAOF and WAIT replies', () => {
    assert.doesNotThrow(() => checkWaitReply({ kind: 'waitaof' }, [1, 0], 100));
    assert.throws(() => checkWaitReply({ kind: 'waitaof' }, [0, 0], 100), StoreNotPersistedError);
    assert.doesNotThrow(() => checkWaitReply({ kind: 'wait', replicas: 1 }, 1, 100));
    assert.throws(() => checkWaitReply({ kind: 'wait', replicas: 1 }, 0, 100), StoreNotPersistedError);
  });

  it('parses INFO, versions and CONFIG GET replies', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n');
    assert.equal(info.get('redis_version'), '7.0.15');
    assert.deepEqual(parseVersion('7.2.4'), [7, 2, 4]);
    assert.deepEqual(parseVersion(undefined), [0, 0, 0]);
    assert.equal(configValue(['appendonly', 'yes'], 'appendonly'), 'yes');
    assert.equal(configValue([], 'appendonly'), undefined);
  });
});

describe('persistence rounds (group commit)', () => {
  it('gives every caller a round that started after its call, sharing rounds', async () => {
    const rounds: Deferred<void>[] = [];
    const shared = new PersistRounds(() => {
      const round = deferred();
      rounds.push(round);
      return round.promise;
    });
    const first = shared.wait();
    const second = shared.wait();
    const third = shared.wait();
    assert.equal(rounds.length, 1, 'one round at a time');
    rounds[0]?.resolve();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rounds.length, 2, 'callers that came during round 1 share round 2');
    rounds[1]?.resolve();
    await Promise.all([second, third]);
  });

  it('fails the callers of a failed round only', async () => {
    let calls = 0;
    const shared = new PersistRounds(() =>
      ++calls === 1 ? Promise.reject(new StoreNotPersistedError('no')) : Promise.resolve(),
    );
    const failing = shared.wait();
    const next = shared.wait();
    await assert.rejects(failing, StoreNotPersistedError);
    await next;
    assert.equal(calls, 2);
  });
});
