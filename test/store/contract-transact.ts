import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflictError, StoreInvalidArgumentError, StoreNotFoundError } from '../../src/store/errors.js';
import { waitFor } from '../helpers/async.js';
import { withStore, type FixtureFactory } from './fixture.js';

export function transactContract(make: FixtureFactory): void {
  describe('transact', () => {
    it('applies every op and answers one result per op', () =>
      withStore(make, async (store, { clock }) => {
        await store.create('keys', 'old', { v: 1 });
        await store.create('keys', 'gone', { v: 1 });
        await store.create('keys', 'parent', { v: 1 });
        const results = await store.transact([
          { op: 'create', collection: 'keys', id: 'k1', value: { name: 'one' }, ttlMs: 1000 },
          { op: 'create', collection: 'key-hashes', id: 'h1', value: 'k1' },
          { op: 'update', collection: 'keys', id: 'old', value: { v: 2 }, expectedRevision: 1 },
          { op: 'put', collection: 'keys', id: 'p', value: 'p' },
          { op: 'delete', collection: 'keys', id: 'gone' },
          { op: 'delete', collection: 'keys', id: 'never' },
          { op: 'check', collection: 'keys', id: 'parent', expectedRevision: 1 },
        ]);
        assert.deepEqual(results, [
          {
            op: 'create',
            document: {
              id: 'k1',
              value: { name: 'one' },
              revision: 1,
              createdAt: clock.now(),
              updatedAt: clock.now(),
              expiresAt: clock.now() + 1000,
            },
          },
          {
            op: 'create',
            document: { id: 'h1', value: 'k1', revision: 1, createdAt: clock.now(), updatedAt: clock.now() },
          },
          {
            op: 'update',
            document: {
              id: 'old',
              value: { v: 2 },
              revision: 2,
              createdAt: clock.now(),
              updatedAt: clock.now(),
            },
          },
          {
            op: 'put',
            document: { id: 'p', value: 'p', revision: 1, createdAt: clock.now(), updatedAt: clock.now() },
          },
          { op: 'delete', deleted: true },
          { op: 'delete', deleted: false },
          { op: 'check', revision: 1 },
        ]);
        assert.equal((await store.get('key-hashes', 'h1'))?.value, 'k1');
        assert.equal(await store.get('keys', 'gone'), undefined);
        assert.deepEqual(await store.transact([]), []);
      }));

    it('changes nothing when any op fails', () =>
      withStore(make, async (store) => {
        await store.create('a', 'exists', 'before');
        await store.create('a', 'rev', 'before');
        await store.create('a', 'victim', 'before');
        const snapshot = async () => ({
          list: (await store.list('a', { limit: 100 })).items,
          hashes: await store.count('b'),
        });
        const before = await snapshot();
        const failing = [
          {
            index: 2,
            error: StoreConflictError,
            op: { op: 'create', collection: 'a', id: 'exists', value: 1 },
          },
          {
            index: 2,
            error: StoreConflictError,
            op: { op: 'update', collection: 'a', id: 'rev', value: 1, expectedRevision: 7 },
          },
          {
            index: 2,
            error: StoreNotFoundError,
            op: { op: 'update', collection: 'a', id: 'missing', value: 1 },
          },
          { index: 2, error: StoreNotFoundError, op: { op: 'check', collection: 'a', id: 'missing' } },
          {
            index: 2,
            error: StoreConflictError,
            op: { op: 'delete', collection: 'a', id: 'rev', expectedRevision: 2 },
          },
        ] as const;
        for (const { index, error, op } of failing) {
          await assert.rejects(
            store.transact(
              [
                { op: 'put', collection: 'a', id: 'new-in-a', value: 'changed' },
                { op: 'create', collection: 'b', id: 'new', value: 1 },
                op,
                { op: 'delete', collection: 'a', id: 'victim' },
              ],
              { notify: [{ channel: 'never', message: 'x' }] },
            ),
            (err: unknown) => {
              assert.ok(err instanceof error, `${op.op} fails with ${error.name}`);
              assert.equal((err as StoreConflictError).opIndex, index);
              return true;
            },
          );
          assert.deepEqual(await snapshot(), before, `${op.op} left everything unchanged`);
        }
      }));

    it('lets exactly one of two concurrent compare-and-set rotations win', () =>
      withStore(make, async (store, fixture) => {
        const other = await fixture.open();
        await store.create('refresh', 'rt-1', { used: false });
        const rotate = (s: typeof store, next: string) =>
          s.transact([
            { op: 'update', collection: 'refresh', id: 'rt-1', value: { used: true }, expectedRevision: 1 },
            { op: 'create', collection: 'refresh', id: next, value: { used: false } },
          ]);
        const outcomes = await Promise.allSettled([rotate(store, 'rt-2a'), rotate(other, 'rt-2b')]);
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        const rejected = outcomes.find((o) => o.status === 'rejected');
        assert.ok(rejected?.status === 'rejected' && rejected.reason instanceof StoreConflictError);
        assert.equal(await store.count('refresh'), 2);
      }));

    it('refuses the same document twice and oversized transactions', () =>
      withStore(make, async (store) => {
        await assert.rejects(
          store.transact([
            { op: 'put', collection: 'a', id: 'x', value: 1 },
            { op: 'delete', collection: 'a', id: 'x' },
          ]),
          StoreInvalidArgumentError,
        );
        const many = Array.from({ length: 501 }, (_, i) => ({
          op: 'put' as const,
          collection: 'a',
          id: `x${i}`,
          value: i,
        }));
        await assert.rejects(store.transact(many), StoreInvalidArgumentError);
        assert.equal(await store.count('a'), 0);
      }));

    it('publishes its notifications only when it commits', () =>
      withStore(make, async (store) => {
        const got: string[] = [];
        const unsubscribe = await store.subscribe('changes', (m) => void got.push(m));
        await assert.rejects(
          store.transact([{ op: 'update', collection: 'a', id: 'missing', value: 1 }], {
            notify: [{ channel: 'changes', message: 'failed' }],
          }),
          StoreNotFoundError,
        );
        await store.transact([{ op: 'create', collection: 'a', id: 'x', value: 1 }], {
          notify: [
            { channel: 'changes', message: 'committed-1' },
            { channel: 'changes', message: 'committed-2' },
          ],
        });
        await waitFor(() => got.length >= 2, 'the committed notifications');
        assert.deepEqual(got, ['committed-1', 'committed-2']);
        await unsubscribe();
      }));
  });
}
