import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StoreClosedError,
  StoreInvalidArgumentError,
  StoreUnavailableError,
} from '../../src/store/errors.js';
import { waitFor } from '../helpers/async.js';
import { withStore, type FixtureFactory } from './fixture.js';

export function notifyContract(make: FixtureFactory, outage: boolean): void {
  describe('notifications', () => {
    it('delivers every message in order to subscribers of every instance', () =>
      withStore(make, async (publisher, fixture) => {
        const other = await fixture.open();
        const remote: string[] = [];
        const local: string[] = [];
        const noise: string[] = [];
        const stops = [
          await other.subscribe('revocations', (m) => void remote.push(m)),
          await publisher.subscribe('revocations', (m) => void local.push(m)),
          await other.subscribe('other-channel', (m) => void noise.push(m)),
        ];
        const sent = Array.from({ length: 30 }, (_, i) => `token-${i}`);
        for (const m of sent.slice(0, 15)) await publisher.publish('revocations', m);
        await Promise.all(sent.slice(15).map((m) => publisher.publish('revocations', m)));
        await waitFor(() => remote.length >= 30 && local.length >= 30, 'all 30 messages on both instances');
        assert.deepEqual(remote, sent);
        assert.deepEqual(local, sent);
        assert.deepEqual(noise, []);
        for (const stop of stops) await stop();
      }));

    it('delivers what follows subscribe(), not what came before, and stops on unsubscribe', () =>
      withStore(make, async (store, fixture) => {
        const other = await fixture.open();
        await store.publish('ch', 'before');
        const got: string[] = [];
        const unsubscribe = await other.subscribe('ch', (m) => void got.push(m));
        await store.publish('ch', 'after-1');
        await waitFor(() => got.length >= 1, 'after-1');
        await unsubscribe();
        await unsubscribe();
        await store.publish('ch', 'after-unsubscribe');
        const witness: string[] = [];
        const stop = await other.subscribe('ch', (m) => void witness.push(m));
        await store.publish('ch', 'marker');
        await waitFor(() => witness.length >= 1, 'marker');
        assert.deepEqual(got, ['after-1']);
        await stop();
      }));

    it('keeps delivering after a handler throws, one message at a time', () =>
      withStore(make, async (store) => {
        const got: string[] = [];
        let active = 0;
        let overlap = false;
        const stop = await store.subscribe('ch', async (m) => {
          active += 1;
          overlap ||= active > 1;
          await new Promise((resolve) => setTimeout(resolve, 2));
          active -= 1;
          got.push(m);
          if (m === 'boom') throw new Error('handler failure');
        });
        for (const m of ['a', 'boom', 'b', 'c']) await store.publish('ch', m);
        await waitFor(() => got.length >= 4, 'four messages');
        assert.deepEqual(got, ['a', 'boom', 'b', 'c']);
        assert.equal(overlap, false);
        await stop();
      }));

    it('rejects invalid channels and oversized messages', () =>
      withStore(make, async (store) => {
        await assert.rejects(store.publish('bad channel', 'x'), StoreInvalidArgumentError);
        await assert.rejects(
          store.subscribe('', () => undefined),
          StoreInvalidArgumentError,
        );
        await assert.rejects(store.publish('ch', 'x'.repeat(65 * 1024)), StoreInvalidArgumentError);
      }));
  });

  describe('health and lifecycle', () => {
    it('answers health while the backend works', () => withStore(make, (store) => store.health()));

    it('rejects every call with StoreClosedError once closed', () =>
      withStore(make, async (store) => {
        await store.put('c', 'x', 1);
        await store.close();
        await store.close();
        const calls: (() => Promise<unknown>)[] = [
          () => store.health(),
          () => store.get('c', 'x'),
          () => store.put('c', 'x', 2),
          () => store.list('c', { limit: 1 }),
          () => store.transact([]),
          () => store.increment('k', 1000),
          () => store.appendAudit({ actor: { type: 'system', id: 's' }, action: 'a', outcome: 'success' }),
          () => store.publish('ch', 'm'),
          () => store.subscribe('ch', () => undefined),
        ];
        for (const call of calls)
          await assert.rejects(
            call(),
            (err: unknown) => err instanceof StoreClosedError && err instanceof StoreUnavailableError,
          );
      }));

    if (outage)
      it('fails health and calls (without hanging) while the backend is down, and recovers', async () => {
        const fixture = await make();
        if (fixture.outage === undefined) {
          await fixture.cleanup();
          assert.fail('the fixture declares outage support but has no outage switch');
        }
        try {
          const store = await fixture.open();
          await store.put('c', 'x', 1);
          await fixture.outage.begin();
          await assert.rejects(store.health(), StoreUnavailableError);
          await assert.rejects(store.get('c', 'x'), StoreUnavailableError);
          await assert.rejects(store.increment('k', 1000), StoreUnavailableError);
          await fixture.outage.end();
          await waitFor(
            () =>
              store.health().then(
                () => true,
                () => false,
              ),
            'health to recover after the outage',
            10_000,
            50,
          );
        } finally {
          await fixture.cleanup();
        }
      });
  });
}
