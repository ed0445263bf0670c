import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEADLINE_SWEEP_MS, DeadlineSweep, type Timed } from '../../src/proxy/deadline-sweep.js';

/** An entry that is out of time `afterMs` from now, and records when it was told. */
function entry(afterMs: number, onExpire: () => void = () => {}): Timed & { expiredAt?: number } {
  const deadline = performance.now() + afterMs;
  const e: Timed & { expiredAt?: number } = {
    sweepSlot: -1,
    checkDeadline(now: number): boolean {
      if (now < deadline) return false;
      e.expiredAt = now;
      onExpire();
      return true;
    },
  };
  return e;
}

describe('DeadlineSweep', () => {
  it('expires an entry at a sweep at or after its deadline, never before, and then forgets it', async () => {
    const errors: unknown[] = [];
    const sweep = new DeadlineSweep((err) => errors.push(err));
    const start = performance.now();
    const e = entry(100);
    sweep.track(e);
    await sleep(DEADLINE_SWEEP_MS * 3);
    assert.ok(e.expiredAt !== undefined, 'expired');
    assert.ok(e.expiredAt - start >= 100, 'not before its deadline');
    assert.equal(sweep.size, 0);
    assert.deepEqual(errors, []);
  });

  it('an untracked entry is never checked again', async () => {
    const sweep = new DeadlineSweep(() => {});
    let checks = 0;
    const e: Timed = {
      sweepSlot: -1,
      checkDeadline: () => {
        checks++;
        return false;
      },
    };
    sweep.track(e);
    sweep.untrack(e);
    assert.equal(sweep.size, 0);
    await sleep(DEADLINE_SWEEP_MS * 2);
    assert.equal(checks, 0);
  });

  it('an entry that throws is reported and dropped; the others are still swept', async () => {
    const errors: unknown[] = [];
    const sweep = new DeadlineSweep((err) => errors.push(err));
    const failing: Timed = {
      sweepSlot: -1,
      checkDeadline: () => {
        throw new Error('boom');
      },
    };
    const fine = entry(0);
    sweep.track(failing);
    sweep.track(fine);
    await sleep(DEADLINE_SWEEP_MS * 2);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'boom');
    assert.ok(fine.expiredAt !== undefined, 'the other entry was swept');
    assert.equal(sweep.size, 0);
  });

  it('keeps checking an entry until it says it is finished', async () => {
    const sweep = new DeadlineSweep(() => {});
    let checks = 0;
    sweep.track({ sweepSlot: -1, checkDeadline: () => ++checks >= 3 });
    await sleep(DEADLINE_SWEEP_MS * 5);
    assert.equal(checks, 3);
    assert.equal(sweep.size, 0);
  });

  it("entries leaving from inside another entry's check: every remaining one is checked, none after it finished", async () => {
    const sweep = new DeadlineSweep(() => {});
    const checks = new Map<number, number>();
    const entries: Timed[] = [];
    for (let k = 0; k < 50; k++) {
      entries.push({
        sweepSlot: -1,
        checkDeadline: () => {
          checks.set(k, (checks.get(k) ?? 0) + 1);
          // Every third entry takes a lower-numbered one with it (a relay aborted by its request's deadline, say).
          const other = entries[k - 5];
          if (k % 3 === 0 && other) sweep.untrack(other);
          return k % 2 === 0; // the odd ones are not out of time yet
        },
      });
    }
    for (const e of entries) sweep.track(e);
    sweep.track(entries[0] as Timed); // tracked twice: still one entry
    assert.equal(sweep.size, 50);
    await sleep(DEADLINE_SWEEP_MS * 1.5);
    for (const [k, n] of checks) if (k % 2 === 0) assert.equal(n, 1, `entry ${k} checked once, then gone`);
    const left = entries.filter((e) => e.sweepSlot >= 0);
    assert.equal(sweep.size, left.length);
    for (const e of left) assert.equal(entries.indexOf(e) % 2, 1, 'only unfinished entries are left');
    left.forEach((e) => sweep.untrack(e));
    assert.equal(sweep.size, 0);
  });
});
