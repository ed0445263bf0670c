/**
 * Issue #9 §1, read-your-writes under concurrency: with 8 API-key deletions in flight
 * on one replica, each 204 comes only once that replica's plan refuses the key. (A
 * refresh already running when a deletion commits read the store before the commit;
 * answering after it let the key through for a few milliseconds.) Checked on Redis and
 * on SQLite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startAdminTest, type AdminTest } from '../control/api/support.js';
import type { ConfigObject } from '../helpers/gatehouse.js';
import { COLLECTIONS, CONTROL_CHANNEL } from '../../src/control/model.js';
import {
  assertRefused,
  createKeyedDeployment,
  deleteKey,
  mintKey,
  type MintedKey,
} from './replica-support.js';

const CONCURRENT = 8;
const ROUNDS = 6;
/** A realistic amount of control-plane objects, so a snapshot read takes a few milliseconds. */
const GROUPS = 1500;

/** Groups written straight to the store (with the notification the admin API would send). */
async function addGroups(t: AdminTest, count: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const ops = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
      op: 'put' as const,
      collection: COLLECTIONS.groups,
      id: `group-${start + i}`,
      value: { id: `group-${start + i}`, global: [], scopes: ['results:read'] },
    }));
    await t.store.transact(ops, { notify: [{ channel: CONTROL_CHANNEL, message: 'groups' }] });
  }
  await t.gh.gatehouse.state.refresh();
}

function suite(name: string, store: () => ConfigObject): void {
  describe(`read-your-writes on ${name}`, () => {
    let upstream: TestUpstream;
    let t: AdminTest;
    before(async () => {
      upstream = await startUpstream('api');
      t = await startAdminTest({ store: store() });
      await createKeyedDeployment(t, upstream);
      await addGroups(t, GROUPS);
    });
    after(async () => {
      await t?.stop();
      await upstream?.close();
    });

    it(`refuses each key as soon as its deletion answers 204, ${CONCURRENT} deletions at a time`, async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const keys: MintedKey[] = [];
        for (let i = 0; i < CONCURRENT; i += 1) keys.push(await mintKey(t));
        await Promise.all(
          keys.map(async (key) => {
            const res = await deleteKey(t, key);
            assert.equal(res.status, 204, res.text);
            await assertRefused(t.gh.url, upstream, key, `round ${round}:`);
          }),
        );
      }
    });
  });
}

let redis: TestRedisServer | undefined;
before(async () => {
  redis = await startRedisServer();
});
after(() => redis?.stop());
suite('Redis', () => ({ type: 'redis', redis: { url: redis?.url ?? '' } }));

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-ryw-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
suite('SQLite', () => ({ type: 'sqlite', sqlite: { dataDir } }));
