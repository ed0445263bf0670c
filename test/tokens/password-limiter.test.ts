/**
 * The bound on concurrent password hashing, driven directly (the HTTP burst is in
 * brute-force.test.ts): per user name, overall, a bounded FIFO queue, 429 and 503
 * beyond. Checks are held open with deferred promises, so nothing depends on timing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../src/errors.js';
import { PasswordCheckLimiter, type LimiterRefusal } from '../../src/tokens/password-limiter.js';

function refusal(err: unknown, status: number, code: string): boolean {
  assert.ok(err instanceof GatehouseError);
  assert.equal(err.status, status);
  assert.equal(err.code, code);
  assert.equal(err.headers?.['retry-after'], '1');
  return true;
}

describe('password check limiter', () => {
  it('one check per user name at a time; others are refused at once with 429', async () => {
    const refusals: LimiterRefusal[] = [];
    const limiter = new PasswordCheckLimiter(
      () => ({ perUser: 1, concurrent: 4, queue: 4 }),
      (r) => refusals.push(r),
    );
    const release = await limiter.acquire('alice');
    await assert.rejects(limiter.acquire('alice'), (err) => refusal(err, 429, 'rate_limited'));
    const bob = await limiter.acquire('bob');
    assert.deepEqual(limiter.load, { running: 2, waiting: 0 });
    release();
    release(); // a second call changes nothing
    const again = await limiter.acquire('alice');
    again();
    bob();
    assert.deepEqual(limiter.load, { running: 0, waiting: 0 });
    assert.deepEqual(refusals, ['busy']);
  });

  it('at most `concurrent` checks run; waiters get slots in arrival order; a full queue is 503', async () => {
    const refusals: LimiterRefusal[] = [];
    const limiter = new PasswordCheckLimiter(
      () => ({ perUser: 1, concurrent: 2, queue: 2 }),
      (r) => refusals.push(r),
    );
    const running = [await limiter.acquire('u1'), await limiter.acquire('u2')];
    const order: string[] = [];
    const waiting = ['u3', 'u4'].map((u) =>
      limiter.acquire(u).then((release) => {
        order.push(u);
        return release;
      }),
    );
    assert.deepEqual(limiter.load, { running: 2, waiting: 2 });
    await assert.rejects(limiter.acquire('u5'), (err) => refusal(err, 503, 'unavailable'));
    assert.deepEqual(refusals, ['overloaded']);
    running[0]?.();
    const third = await waiting[0];
    assert.deepEqual(order, ['u3']);
    assert.deepEqual(limiter.load, { running: 2, waiting: 1 });
    running[1]?.();
    const fourth = await waiting[1];
    assert.deepEqual(order, ['u3', 'u4']);
    third?.();
    fourth?.();
    assert.deepEqual(limiter.load, { running: 0, waiting: 0 });
  });

  it('a queued check of a user counts against that user (no second one queues behind it)', async () => {
    const limiter = new PasswordCheckLimiter(() => ({ perUser: 1, concurrent: 1, queue: 10 }));
    const first = await limiter.acquire('a');
    const queued = limiter.acquire('b');
    await assert.rejects(limiter.acquire('b'), (err) => refusal(err, 429, 'rate_limited'));
    first();
    (await queued)();
    assert.deepEqual(limiter.load, { running: 0, waiting: 0 });
  });
});
