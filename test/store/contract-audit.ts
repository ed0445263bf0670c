import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreInvalidArgumentError } from '../../src/store/errors.js';
import type { AuditEntry, AuditFilter, AuditRecord, Store } from '../../src/store/types.js';
import { withStore, type FixtureFactory } from './fixture.js';

const entry = (n: number): AuditEntry => ({
  actor:
    n % 3 === 0 ? { type: 'admin-key', id: 'key-1' } : { type: 'user', id: `user-${n % 2}`, name: 'User' },
  action: ['deployment.create', 'deployment.delete', 'service.update', 'token.revoke'][n % 4] ?? 'x',
  ...(n % 5 === 0 ? {} : { target: { type: n % 2 === 0 ? 'deployment' : 'service', id: `t-${n % 4}` } }),
  outcome: n % 7 === 0 ? 'denied' : 'success',
  requestId: `req-${n}`,
  ...(n % 2 === 0 ? { sourceAddress: '10.0.0.1' } : {}),
  details: { n, note: n % 2 === 0 ? 'even' : 'odd' },
});

async function everything(store: Store, filter: AuditFilter, limit: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.queryAudit(filter, { limit, ...(after === undefined ? {} : { after }) });
    out.push(...page.items);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

export function auditContract(make: FixtureFactory): void {
  describe('audit log', () => {
    it('assigns increasing ids and times and returns the record as stored', () =>
      withStore(make, async (store, fixture) => {
        const other = await fixture.open();
        const records: AuditRecord[] = [];
        for (let n = 0; n < 6; n += 1) {
          records.push(await (n % 2 === 0 ? store : other).appendAudit(entry(n)));
          fixture.clock.advance(1000);
        }
        const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
        assert.deepEqual(sorted, records, 'ids sort in append order across instances');
        assert.ok(records.every((r) => /^\d{16}$/.test(r.id)));
        const first = records[0];
        assert.deepEqual(first, { id: first?.id, time: first?.time, ...entry(0) });
        const newestFirst = await store.queryAudit({}, { limit: 100 });
        assert.deepEqual(newestFirst.items, [...records].reverse());
        assert.equal(newestFirst.next, undefined);
      }));

    it('filters and pages newest first', () =>
      withStore(make, async (store, { clock }) => {
        const start = clock.now();
        const records: AuditRecord[] = [];
        for (let n = 0; n < 40; n += 1) {
          records.push(await store.appendAudit(entry(n)));
          clock.advance(1000);
        }
        const newest = [...records].reverse();
        const expect = (filter: AuditFilter, predicate: (r: AuditRecord) => boolean) =>
          everything(store, filter, 7).then((got) =>
            assert.deepEqual(got, newest.filter(predicate), JSON.stringify(filter)),
          );
        await expect({}, () => true);
        await expect({ actorId: 'key-1' }, (r) => r.actor.id === 'key-1');
        await expect({ action: 'deployment.create' }, (r) => r.action === 'deployment.create');
        await expect({ actionPrefix: 'deployment.' }, (r) => r.action.startsWith('deployment.'));
        await expect({ targetType: 'service' }, (r) => r.target?.type === 'service');
        await expect({ targetId: 't-2' }, (r) => r.target?.id === 't-2');
        await expect({ outcome: 'denied' }, (r) => r.outcome === 'denied');
        await expect(
          { since: start + 10_000, until: start + 20_000 },
          (r) => r.time >= start + 10_000 && r.time < start + 20_000,
        );
        await expect(
          { actorId: 'user-1', actionPrefix: 'service', targetType: 'service' },
          (r) => r.actor.id === 'user-1' && r.action.startsWith('service') && r.target?.type === 'service',
        );
        await expect({ actorId: 'nobody' }, () => false);
        const page = await store.queryAudit({}, { limit: 5 });
        assert.equal(page.next, page.items[4]?.id);
        const rest = await store.queryAudit({}, { limit: 100, after: page.next ?? '' });
        assert.equal(rest.items.length, 35);
        await assert.rejects(store.queryAudit({}, { limit: 5, after: 'nope' }), StoreInvalidArgumentError);
        await assert.rejects(store.queryAudit({}, { limit: 0 }), StoreInvalidArgumentError);
      }));

    it('prunes a prefix of the log by count and by age', () =>
      withStore(make, async (store, { clock }) => {
        const start = clock.now();
        for (let n = 0; n < 10; n += 1) {
          await store.appendAudit(entry(n));
          clock.advance(1000);
        }
        assert.equal(await store.pruneAudit({}), 0);
        assert.equal(await store.pruneAudit({ keepLatest: 8 }), 2);
        assert.equal(await store.pruneAudit({ olderThan: start + 5000 }), 3);
        const left = await store.queryAudit({}, { limit: 100 });
        assert.deepEqual(
          left.items.map((r) => r.time - start),
          [9000, 8000, 7000, 6000, 5000],
        );
        assert.equal(await store.pruneAudit({ keepLatest: 0 }), 5);
        assert.deepEqual((await store.queryAudit({}, { limit: 10 })).items, []);
        const next = await store.appendAudit(entry(1));
        assert.ok(next.id > (left.items[0]?.id ?? ''), 'ids never go back after pruning');
      }));

    it('rejects malformed entries', () =>
      withStore(make, async (store) => {
        const bad = [
          { ...entry(1), action: '' },
          { ...entry(1), actor: { type: 'robot', id: 'x' } },
          { ...entry(1), outcome: 'maybe' },
          { ...entry(1), details: { big: 'x'.repeat(70_000) } },
        ] as unknown as AuditEntry[];
        for (const e of bad) await assert.rejects(store.appendAudit(e), StoreInvalidArgumentError);
        assert.deepEqual((await store.queryAudit({}, { limit: 10 })).items, []);
      }));
  });
}
