/**
 * Issue #9 §1: a real redis-server (AOF, fsync always) is killed with SIGKILL and
 * restarted on the same port and folder in the middle of a burst of API-key deletions
 * spread over two Gatehouse replicas. Every 204 must mean "refused now" on the replica
 * that answered; deletions answered otherwise are sent again until they answer 204 or
 * 404; afterwards no deleted key is accepted by either replica (per key: 401
 * `invalid_token`, upstream not reached).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../helpers/async.js';
import { readMetric } from '../helpers/metrics.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startAdminTest, type AdminTest } from '../control/api/support.js';
import {
  assertRefused,
  createKeyedDeployment,
  deleteKey,
  mintKey,
  untilAccepted,
  untilRefused,
  type MintedKey,
} from './replica-support.js';

const KEYS = 60;
const WORKERS = 8;
/** The crash comes after this many deletions were answered. */
const CRASH_AFTER = 15;

/** How long Redis stays down between the kill and the restart. */
const OUTAGE_MS = 250;

describe('Redis killed (-9) and restarted under a burst of API-key deletions', () => {
  let redis: TestRedisServer;
  let upstream: TestUpstream;
  let replicas: AdminTest[] = [];

  before(async () => {
    redis = await startRedisServer();
    upstream = await startUpstream('api');
    const store = { type: 'redis', redis: { url: redis.url, commandTimeoutMs: 1000 } };
    replicas = [await startAdminTest({ store }), await startAdminTest({ store })];
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    await upstream?.close();
    await redis?.stop();
  });

  it('leaves no deleted key accepted on either replica', async () => {
    const [a, b] = replicas as [AdminTest, AdminTest];
    await createKeyedDeployment(a, upstream);
    const keys: MintedKey[] = [];
    for (let i = 0; i < KEYS; i += 1) keys.push(await mintKey(i % 2 === 0 ? a : b));
    for (const key of keys) for (const r of replicas) await untilAccepted(r.gh.url, key);

    let answered = 0;
    let crash: Promise<void> | undefined;
    // Every deletion after the CRASH_AFTER-th waits for the kill itself: without that the
    // rest of the burst could all be answered before the kill lands, and no deletion would
    // meet the outage (seen once in a full run: 60 × 204).
    let killed: Promise<void> | undefined;
    const statuses: Record<string, number> = {};
    const queue = keys.map((key, i) => ({ key, via: replicas[i % 2] as AdminTest }));
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        const { key, via } = job;
        for (;;) {
          const res = await deleteKey(via, key);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          answered += 1;
          if (answered === CRASH_AFTER) {
            killed = redis.kill9();
            // Down for a moment before the restart, so the outage is not over before any
            // deletion can see it.
            crash = killed.then(() => sleep(OUTAGE_MS)).then(() => redis.restart());
          }
          if (killed) await killed;
          if (res.status === 204) {
            // Read-your-writes: the replica that answered 204 refuses the key already.
            await assertRefused(via.gh.url, upstream, key, 'the replica that answered 204:');
            break;
          }
          if (res.status === 404) break;
          assert.equal(res.status, 503, `a deletion during the outage: ${res.text}`);
          assert.equal(res.body.error, 'unavailable');
          assert.ok(res.headers.get('retry-after'), 'Retry-After');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, () => worker()));
    await crash;
    console.log(`# deletions answered: ${JSON.stringify(statuses)}`);
    assert.ok((statuses[503] ?? 0) > 0, 'some deletions met the outage');

    for (const r of replicas)
      await waitFor(
        async () =>
          (await readMetric(r.gh.adminUrl, 'gatehouse_state_stale_seconds', { state: 'control' })) === 0,
        'the replica has re-read the store',
        15_000,
      );
    for (const r of replicas) for (const key of keys) await untilRefused(r.gh.url, key);
    for (const r of replicas)
      for (const key of keys) await assertRefused(r.gh.url, upstream, key, 'afterwards:');
  });
});
