import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, StoredDocument } from '../../src/store/types.js';
import { withStore, type FixtureFactory } from './fixture.js';

const ids = (docs: readonly StoredDocument[]) => docs.map((d) => d.id);
const pad = (n: number) => String(n).padStart(3, '0');

async function all(store: Store, collection: string, limit: number, prefix?: string): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.list(collection, {
      limit,
      ...(prefix === undefined ? {} : { prefix }),
      ...(after === undefined ? {} : { after }),
    });
    pages.push(ids(page.items));
    if (page.next === undefined) return pages;
    assert.equal(page.next, page.items[page.items.length - 1]?.id, 'next is the last id of the page');
    after = page.next;
  }
}

export function listContract(make: FixtureFactory): void {
  describe('list and count', () => {
    it('pages through a collection in id order', () =>
      withStore(make, async (store) => {
        for (const n of [
          7, 3, 24, 0, 12, 18, 1, 9, 15, 21, 2, 5, 4, 6, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23,
        ])
          await store.create('items', `item-${pad(n)}`, n);
        const pages = await all(store, 'items', 10);
        assert.deepEqual(
          pages.map((p) => p.length),
          [10, 10, 5],
        );
        assert.deepEqual(
          pages.flat(),
          Array.from({ length: 25 }, (_, n) => `item-${pad(n)}`),
        );
        assert.equal(await store.count('items'), 25);
      }));

    it('has no next page when the last page is exactly full', () =>
      withStore(make, async (store) => {
        for (let n = 0; n < 20; n += 1) await store.create('items', pad(n), n);
        const pages = await all(store, 'items', 10);
        assert.deepEqual(
          pages.map((p) => p.length),
          [10, 10],
        );
        const single = await store.list('items', { limit: 1000 });
        assert.equal(single.items.length, 20);
        assert.equal(single.next, undefined);
      }));

    it('answers an empty page for an empty or unknown collection', () =>
      withStore(make, async (store) => {
        assert.deepEqual(await store.list('nothing', { limit: 5 }), { items: [] });
        assert.equal(await store.count('nothing'), 0);
      }));

    it('filters by prefix and combines prefix with a cursor', () =>
      withStore(make, async (store) => {
        for (const id of ['a', 'ab', 'ab/1', 'ab/2', 'ab/3', 'abc', 'ac', 'b', 'key-hashes/x'])
          await store.create('p', id, id);
        assert.deepEqual((await all(store, 'p', 2, 'ab/')).flat(), ['ab/1', 'ab/2', 'ab/3']);
        assert.deepEqual((await all(store, 'p', 100, 'ab')).flat(), ['ab', 'ab/1', 'ab/2', 'ab/3', 'abc']);
        assert.deepEqual(ids((await store.list('p', { prefix: 'ab', after: 'ab/2', limit: 10 })).items), [
          'ab/3',
          'abc',
        ]);
        assert.deepEqual(
          ids((await store.list('p', { prefix: 'ab', after: 'a', limit: 10 })).items).length,
          5,
        );
        assert.deepEqual(ids((await store.list('p', { prefix: 'ab', after: 'b', limit: 10 })).items), []);
        assert.deepEqual(ids((await store.list('p', { prefix: 'zz', limit: 10 })).items), []);
        assert.deepEqual(ids((await store.list('p', { after: 'ac', limit: 10 })).items), [
          'b',
          'key-hashes/x',
        ]);
        assert.deepEqual(ids((await store.list('p', { after: 'zzz', limit: 10 })).items), []);
      }));

    it('orders ids by UTF-8 bytes on every backend', () =>
      withStore(make, async (store) => {
        const input = ['b', 'B', 'a', 'é', 'z', '😀', '\uffff', 'ü', '~', 'a b', 'a:b', 'A'];
        for (const id of input) await store.create('u', id, id);
        const expected = [...input].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual((await all(store, 'u', 5)).flat(), expected);
        assert.deepEqual(ids((await store.list('u', { prefix: 'a', limit: 10 })).items), ['a', 'a b', 'a:b']);
        assert.deepEqual(ids((await store.list('u', { prefix: '\uffff', limit: 10 })).items), ['\uffff']);
      }));

    it('skips expired documents and still fills the page', () =>
      withStore(make, async (store, { clock }) => {
        for (let n = 0; n < 12; n += 1)
          await store.create('t', pad(n), n, n % 3 === 0 ? {} : { ttlMs: 60_000 });
        clock.advance(60_000);
        const page = await store.list('t', { limit: 3 });
        assert.deepEqual(ids(page.items), ['000', '003', '006']);
        assert.equal(page.next, '006');
        assert.deepEqual((await all(store, 't', 3)).flat(), ['000', '003', '006', '009']);
        assert.equal(await store.count('t'), 4);
      }));

    it('keeps collections apart', () =>
      withStore(make, async (store) => {
        await store.create('one', 'x', 1);
        await store.create('one.two', 'x', 2);
        await store.create('one-two', 'y', 3);
        assert.deepEqual(ids((await store.list('one', { limit: 10 })).items), ['x']);
        assert.equal(await store.count('one.two'), 1);
      }));
  });
}
