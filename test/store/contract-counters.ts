import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreInvalidArgumentError } from '../../src/store/errors.js';
import { withStore, type FixtureFactory } from './fixture.js';

export function counterContract(make: FixtureFactory): void {
  describe('counters', () => {
    it('counts in a fixed window that starts at the first increment', () =>
      withStore(make, async (store, { clock }) => {
        const start = clock.now();
        assert.deepEqual(await store.increment('login:alice', 60_000), { count: 1, resetAt: start + 60_000 });
        clock.advance(30_000);
        assert.deepEqual(await store.increment('login:alice', 60_000), { count: 2, resetAt: start + 60_000 });
        clock.advance(29_999);
        assert.deepEqual(await store.increment('login:alice', 60_000), { count: 3, resetAt: start + 60_000 });
        clock.advance(1);
        assert.deepEqual(await store.increment('login:alice', 60_000), {
          count: 1,
          resetAt: clock.now() + 60_000,
        });
        assert.deepEqual(await store.increment('login:bob', 1000), { count: 1, resetAt: clock.now() + 1000 });
      }));

    it('resets a counter', () =>
      withStore(make, async (store) => {
        await store.increment('k', 60_000);
        await store.increment('k', 60_000);
        await store.resetCounter('k');
        await store.resetCounter('never-used');
        assert.equal((await store.increment('k', 60_000)).count, 1);
      }));

    it('counts 200 parallel increments from two instances exactly once each', () =>
      withStore(make, async (store, fixture) => {
        const other = await fixture.open();
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? store : other).increment('burst', 60_000)),
        );
        assert.deepEqual(
          results.map((r) => r.count).sort((a, b) => a - b),
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        assert.equal(new Set(results.map((r) => r.resetAt)).size, 1);
        assert.equal((await store.increment('burst', 60_000)).count, 201);
      }));

    it('rejects invalid keys and windows', () =>
      withStore(make, async (store) => {
        await assert.rejects(store.increment('', 1000), StoreInvalidArgumentError);
        await assert.rejects(store.increment('k', 0), StoreInvalidArgumentError);
        await assert.rejects(store.resetCounter('bad\u0000key'), StoreInvalidArgumentError);
      }));
  });
}
