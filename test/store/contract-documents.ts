import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflictError, StoreInvalidArgumentError, StoreNotFoundError } from '../../src/store/errors.js';
import { withStore, type FixtureFactory } from './fixture.js';

const MINUTE = 60_000;

export function documentContract(make: FixtureFactory): void {
  describe('documents', () => {
    it('creates a document at revision 1 and reads it back as a copy', () =>
      withStore(make, async (store, { clock }) => {
        const value = { name: 'svc', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } };
        const created = await store.create('services', 'svc-1', value);
        assert.deepEqual(created, {
          id: 'svc-1',
          value,
          revision: 1,
          createdAt: clock.now(),
          updatedAt: clock.now(),
        });
        const read = await store.get('services', 'svc-1');
        assert.deepEqual(read, created);
        (read?.value as { name: string }).name = 'changed';
        assert.deepEqual((await store.get('services', 'svc-1'))?.value, value);
        assert.equal(await store.get('services', 'missing'), undefined);
        assert.equal(await store.get('other', 'svc-1'), undefined, 'collections are separate');
      }));

    it('refuses to create over a live document', () =>
      withStore(make, async (store) => {
        await store.create('c', 'x', 1);
        await assert.rejects(store.create('c', 'x', 2), (err: unknown) => {
          assert.ok(err instanceof StoreConflictError);
          assert.equal(err.reason, 'exists');
          assert.equal(err.actualRevision, 1);
          assert.equal(err.code, 'conflict');
          return true;
        });
        assert.equal((await store.get('c', 'x'))?.value, 1);
      }));

    it('updates with +1 revisions, keeps createdAt, checks expectedRevision', () =>
      withStore(make, async (store, { clock }) => {
        const created = await store.create('c', 'x', { v: 1 });
        clock.advance(1000);
        const updated = await store.update('c', 'x', { v: 2 }, { expectedRevision: 1 });
        assert.equal(updated.revision, 2);
        assert.equal(updated.createdAt, created.createdAt);
        assert.equal(updated.updatedAt, created.createdAt + 1000);
        await assert.rejects(store.update('c', 'x', { v: 3 }, { expectedRevision: 1 }), (err: unknown) => {
          assert.ok(err instanceof StoreConflictError);
          assert.equal(err.reason, 'revision');
          assert.equal(err.actualRevision, 2);
          return true;
        });
        assert.equal((await store.update('c', 'x', { v: 3 })).revision, 3);
        assert.deepEqual((await store.get('c', 'x'))?.value, { v: 3 });
        await assert.rejects(store.update('c', 'nope', 1), StoreNotFoundError);
        await assert.rejects(store.update('c', 'nope', 1, { expectedRevision: 1 }), StoreNotFoundError);
      }));

    it('puts (upserts) and replaces the expiry', () =>
      withStore(make, async (store, { clock }) => {
        const first = await store.put('c', 'x', 'a', { ttlMs: MINUTE });
        assert.equal(first.revision, 1);
        assert.equal(first.expiresAt, clock.now() + MINUTE);
        clock.advance(10);
        const second = await store.put('c', 'x', 'b');
        assert.equal(second.revision, 2);
        assert.equal(second.createdAt, first.createdAt);
        assert.equal(second.expiresAt, undefined, 'put without ttlMs never expires');
        clock.advance(2 * MINUTE);
        assert.equal((await store.get('c', 'x'))?.value, 'b');
      }));

    it('deletes, with and without expectedRevision', () =>
      withStore(make, async (store) => {
        await store.create('c', 'x', 1);
        await store.update('c', 'x', 2);
        await assert.rejects(store.delete('c', 'x', { expectedRevision: 1 }), StoreConflictError);
        assert.equal((await store.get('c', 'x'))?.revision, 2, 'a failed delete leaves the document');
        assert.equal(await store.delete('c', 'x', { expectedRevision: 2 }), true);
        assert.equal(await store.get('c', 'x'), undefined);
        assert.equal(await store.delete('c', 'x'), false);
        await assert.rejects(store.delete('c', 'x', { expectedRevision: 2 }), StoreNotFoundError);
        const again = await store.create('c', 'x', 3);
        assert.equal(again.revision, 1, 'a recreated document starts over');
      }));

    it('expires documents by the injected clock for every read and check', () =>
      withStore(make, async (store, { clock }) => {
        const doc = await store.create('c', 'x', 'v', { ttlMs: MINUTE });
        await store.create('c', 'y', 'stays');
        assert.equal(doc.expiresAt, clock.now() + MINUTE);
        clock.advance(MINUTE - 1);
        assert.equal((await store.get('c', 'x'))?.value, 'v');
        assert.equal(await store.count('c'), 2);
        clock.advance(1);
        assert.equal(await store.get('c', 'x'), undefined);
        assert.equal(await store.count('c'), 1);
        assert.deepEqual(
          (await store.list('c', { limit: 10 })).items.map((d) => d.id),
          ['y'],
        );
        await assert.rejects(store.update('c', 'x', 'w'), StoreNotFoundError);
        assert.equal(await store.delete('c', 'x'), false);
        const recreated = await store.create('c', 'x', 'new');
        assert.equal(recreated.revision, 1);
        assert.equal(recreated.expiresAt, undefined);
      }));

    it('update keeps, replaces or removes the expiry', () =>
      withStore(make, async (store, { clock }) => {
        const start = clock.now();
        await store.create('c', 'x', 1, { ttlMs: MINUTE });
        assert.equal((await store.update('c', 'x', 2)).expiresAt, start + MINUTE, 'absent ttlMs keeps it');
        clock.advance(1000);
        assert.equal(
          (await store.update('c', 'x', 3, { ttlMs: 2 * MINUTE })).expiresAt,
          start + 1000 + 2 * MINUTE,
        );
        assert.equal((await store.update('c', 'x', 4, { ttlMs: null })).expiresAt, undefined);
        clock.advance(10 * MINUTE);
        assert.equal((await store.get('c', 'x'))?.value, 4);
      }));

    it('stores JSON faithfully', () =>
      withStore(make, async (store) => {
        const values = [
          null,
          true,
          0,
          -1.25,
          Number.MAX_SAFE_INTEGER,
          '',
          'ünïcødé 😀 "quoted" \\ back',
          [],
          [1, 'two', [3]],
          { a: { b: { c: [null, {}] } } },
        ];
        for (const [i, value] of values.entries()) {
          await store.put('json', `v${i}`, value);
          assert.deepEqual((await store.get('json', `v${i}`))?.value, value);
        }
        const withUndefined = await store.put('json', 'u', { kept: 1, dropped: undefined });
        assert.deepEqual(withUndefined.value, { kept: 1 });
        assert.deepEqual((await store.get('json', 'u'))?.value, { kept: 1 });
      }));

    it('rejects invalid arguments before touching the backend', async () => {
      await withStore(make, async (store) => {
        const bad: [string, () => Promise<unknown>][] = [
          ['collection with ":"', () => store.get('a:b', 'x')],
          ['empty collection', () => store.create('', 'x', 1)],
          ['empty id', () => store.create('c', '', 1)],
          ['control character', () => store.create('c', 'a\nb', 1)],
          ['lone surrogate', () => store.create('c', 'a\ud800', 1)],
          ['zero ttl', () => store.create('c', 'x', 1, { ttlMs: 0 })],
          ['fractional ttl', () => store.put('c', 'x', 1, { ttlMs: 1.5 })],
          ['revision 0', () => store.update('c', 'x', 1, { expectedRevision: 0 })],
          ['huge value', () => store.put('c', 'x', 'x'.repeat(1024 * 1024 + 1))],
          ['Date', () => store.put('c', 'x', { at: new Date() })],
          ['Map', () => store.put('c', 'x', new Map())],
          ['NaN', () => store.put('c', 'x', [1, Number.NaN])],
          ['bigint', () => store.put('c', 'x', { n: 1n })],
          ['function', () => store.put('c', 'x', { f: () => 1 })],
          ['undefined', () => store.put('c', 'x', undefined)],
          ['undefined in an array', () => store.put('c', 'x', [undefined])],
          ['limit 0', () => store.list('c', { limit: 0 })],
          ['limit 1001', () => store.list('c', { limit: 1001 })],
        ];
        for (const [what, call] of bad) await assert.rejects(call(), StoreInvalidArgumentError, what);
        assert.equal(await store.count('c'), 0);
      });
    });
  });
}
