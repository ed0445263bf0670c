/**
 * The re-read loop every follower of store data uses (control state, personal tokens,
 * revoked sessions): a read that started before a request does not satisfy it, failed
 * reads are retried until one succeeds, staleness is reported while they fail, and a
 * waiter gives up (StoreUnavailableError) only while reads fail. The `read` function is
 * the loop's input: here one the test controls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/observability/log.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
import { StoreClosedError, StoreUnavailableError } from '../../src/store/errors.js';
import { ResyncLoop } from '../../src/store/resync.js';
import { deferred, type Deferred } from '../helpers/async.js';
import { CapturedLog } from '../helpers/gatehouse.js';
import { waitFor } from '../helpers/async.js';

function harness() {
  const clock = new ManualClock();
  const metrics = new GatehouseMetrics({ defaultMetrics: false });
  const reads: Deferred<number>[] = [];
  let value = 0;
  const loop = new ResyncLoop<number>({
    name: 'test',
    read: () => {
      const read = deferred<number>();
      reads.push(read);
      return read.promise;
    },
    clock,
    logger: createLogger('info', new CapturedLog().stream),
    metrics,
    minDelayMs: 5,
    maxDelayMs: 20,
  });
  /** Resolves read number `index` with the next value. */
  const succeed = (index: number): number => {
    value += 1;
    reads[index]?.resolve(value);
    return value;
  };
  return { clock, metrics, reads, loop, succeed };
}

describe('ResyncLoop', () => {
  it('answers a ticket with a read that started after it, not the one already running', async () => {
    const { loop, reads, succeed } = harness();
    const started = loop.first();
    succeed(0);
    await started;
    const early = loop.request();
    assert.equal(reads.length, 2, 'a read runs');
    const late = loop.request();
    const lateAnswer = loop.wait(late, 5000);
    const earlyAnswer = loop.wait(early, 5000);
    assert.equal(reads.length, 2, 'the second request waits for the running read to end');
    const first = succeed(1);
    assert.equal(await earlyAnswer, first);
    await waitFor(() => reads.length === 3, 'a read that starts after the second request');
    const second = succeed(2);
    assert.equal(await lateAnswer, second, 'the second ticket needed the later read');
    loop.close();
  });

  it('retries a failed read until it succeeds, reporting staleness meanwhile', async () => {
    const { loop, reads, succeed, clock, metrics } = harness();
    const started = loop.first();
    succeed(0);
    await started;
    const answer = loop.readAfterNow(5000);
    clock.advance(1500);
    reads[1]?.reject(new StoreUnavailableError('down'));
    await waitFor(() => reads.length === 3, 'a retry');
    assert.equal(loop.staleForMs(), 1500);
    assert.deepEqual(metrics.staleStates(), [{ state: 'test', seconds: 1.5 }]);
    reads[2]?.reject(new StoreUnavailableError('still down'));
    await waitFor(() => reads.length === 4, 'another retry');
    const value = succeed(3);
    assert.equal(await answer, value);
    assert.equal(loop.staleForMs(), 0);
    const text = await metrics.registry.metrics();
    assert.match(text, /gatehouse_state_reads_total\{state="test",result="failure"\} 2/);
    assert.match(text, /gatehouse_state_stale_seconds\{state="test"\} 0/);
    loop.close();
  });

  it('gives a waiter up while reads fail, keeps reading, and rejects waiters on close', async () => {
    const { loop, reads, succeed } = harness();
    const started = loop.first();
    succeed(0);
    await started;
    const answer = loop.readAfterNow(50);
    reads[1]?.reject(new StoreUnavailableError('down'));
    await assert.rejects(answer, StoreUnavailableError);
    await waitFor(() => reads.length >= 3, 'reads go on after the waiter gave up');
    const pending = loop.readAfterNow(5000);
    loop.close();
    await assert.rejects(pending, StoreClosedError);
  });

  it('waits for a slow read that does not fail', async () => {
    const { loop, succeed } = harness();
    const started = loop.first();
    succeed(0);
    await started;
    const answer = loop.readAfterNow(20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const value = succeed(1);
    assert.equal(await answer, value);
    loop.close();
  });

  it('reads nothing before first(), and serves requests made during it with a read after it', async () => {
    const { loop, reads, succeed } = harness();
    const before = loop.request();
    assert.equal(reads.length, 0, 'nothing reads before first()');
    const started = loop.first();
    const during = loop.request();
    const initial = succeed(0);
    await started;
    assert.equal(await loop.wait(before, 5000), initial, 'the first read started after the request');
    await waitFor(() => reads.length === 2, 'a read for the request made during the first one');
    const value = succeed(1);
    assert.equal(await loop.wait(during, 5000), value);
    loop.close();
  });
});
