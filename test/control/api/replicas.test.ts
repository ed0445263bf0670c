/**
 * Two replicas on one store — two Gatehouse instances on the same SQLite file, and two on
 * one private Redis: what one replica's admin API writes serves traffic on the other's
 * data plane within one second (the delay is measured and printed), and two replicas
 * racing for one route cannot both win.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../helpers/async.js';
import { send } from '../../helpers/http.js';
import { startRedisServer, type TestRedisServer } from '../../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { startAdminTest, request, type AdminTest } from './support.js';
import type { ConfigObject } from '../../helpers/gatehouse.js';

/** Polls replica B until `expected`; answers the delay (printed, not asserted: speed is the bench's job). */
async function propagation(url: string, path: string, headers: Record<string, string>, expected: number) {
  const start = Date.now();
  let last = 0;
  await waitFor(
    async () => (last = (await send(url, path, { headers })).status) === expected,
    () => `${path}: ${expected} (still ${last})`,
    5000,
    5,
  );
  return Date.now() - start;
}

function replicaSuite(name: string, store: () => ConfigObject): void {
  describe(`two replicas on ${name}`, () => {
    let upstream: TestUpstream;
    let a: AdminTest;
    let b: AdminTest;
    before(async () => {
      upstream = await startUpstream(name);
      a = await startAdminTest({ store: store() });
      b = await startAdminTest({ store: store() });
    });
    after(async () => {
      await b?.stop();
      await a?.stop();
      await upstream?.close();
    });

    it("serves a deployment created on replica A on replica B's data plane within 1 s", async () => {
      await a.admin('POST', '/api/v1/infrastructures', { id: 'inf', nodes: [upstream.url] });
      await a.admin('POST', '/api/v1/services', { id: 'svc' });
      await a.admin('POST', '/api/v1/services/svc/versions', {
        id: 'v1',
        auth: { methods: ['apiKeys'], apiKeys: { keys: [] } },
      });
      assert.equal((await send(b.gh.url, '/svc/x')).status, 404);
      const created = await a.admin('POST', '/api/v1/deployments', {
        id: 'dep',
        service: 'svc',
        version: 'v1',
        infrastructure: 'inf',
        basePath: '/svc',
      });
      assert.equal(created.status, 201, created.text);
      const deployMs = await propagation(b.gh.url, '/svc/x', {}, 401);
      const key = await a.admin('POST', '/api/v1/deployments/dep/api-keys', {});
      const auth = { authorization: `Bearer ${String(key.body.key)}` };
      const keyMs = await propagation(b.gh.url, '/svc/x', auth, 200);
      await a.admin('POST', '/api/v1/deployments/dep/disable');
      const disableMs = await propagation(b.gh.url, '/svc/x', auth, 503);
      await a.admin('DELETE', `/api/v1/deployments/dep/api-keys/${String(key.body.id)}`);
      await a.admin('POST', '/api/v1/deployments/dep/enable');
      const revokeMs = await propagation(b.gh.url, '/svc/x', auth, 401);
      console.log(
        `# ${name}: replica B followed replica A in ${deployMs} ms (deployment), ${keyMs} ms (API key), ${disableMs} ms (disable), ${revokeMs} ms (revoke)`,
      );
      const read = await b.admin('GET', '/api/v1/deployments/dep');
      assert.equal(read.status, 200, "B's admin API reads A's write");
    });

    it('never lets a delete and a create that needs the deleted object both succeed', async () => {
      for (let i = 0; i < 3; i += 1) {
        await a.admin('POST', '/api/v1/infrastructures', { id: `tmp-${i}`, nodes: [upstream.url] });
        const [del, create] = await Promise.all([
          request(a.gh.adminUrl, 'DELETE', `/api/v1/infrastructures/tmp-${i}`, { bearer: a.adminKey }),
          request(b.gh.adminUrl, 'POST', '/api/v1/deployments', {
            bearer: b.adminKey,
            body: {
              id: `tmp-${i}`,
              service: 'svc',
              version: 'v1',
              infrastructure: `tmp-${i}`,
              basePath: `/tmp-${i}`,
            },
          }),
        ]);
        const outcome = `${del.status}/${create.status}`;
        assert.ok(['204/422', '409/201'].includes(outcome), `${outcome}: ${del.text} ${create.text}`);
        const infra = await a.admin('GET', `/api/v1/infrastructures/tmp-${i}`);
        const dep = await a.admin('GET', `/api/v1/deployments/tmp-${i}`);
        assert.ok(dep.status === 404 || infra.status === 200, 'no deployment without its infrastructure');
      }
    });

    it('lets only one of two replicas racing for one route win', async () => {
      const body = (id: string) => ({
        id,
        service: 'svc',
        version: 'v1',
        infrastructure: 'inf',
        basePath: '/race',
      });
      const [ra, rb] = await Promise.all([
        request(a.gh.adminUrl, 'POST', '/api/v1/deployments', { bearer: a.adminKey, body: body('race-a') }),
        request(b.gh.adminUrl, 'POST', '/api/v1/deployments', { bearer: b.adminKey, body: body('race-b') }),
      ]);
      assert.deepEqual([ra.status, rb.status].sort(), [201, 409], `${ra.text} / ${rb.text}`);
    });
  });
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'gatehouse-replicas-'));
after(() => rmSync(sqliteDir, { recursive: true, force: true }));
replicaSuite('one SQLite file', () => ({ type: 'sqlite', sqlite: { dataDir: sqliteDir } }));

let redis: TestRedisServer | undefined;
before(async () => {
  redis = await startRedisServer();
});
after(() => redis?.stop());
replicaSuite('one Redis', () => ({ type: 'redis', redis: { url: redis?.url ?? '' } }));
