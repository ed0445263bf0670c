/**
 * The deployer model through the admin API: infrastructures, services, versions and
 * deployments — happy paths, validation naming the field, 404/409/422, pagination, and
 * objects from the configuration file (listed with source "config", read-only).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, type AdminTest } from './support.js';

type Obj = Record<string, unknown>;
type Page = { items: Obj[]; next: string | null };
const NODE = 'http://127.0.0.1:9';
const PUBLIC = { methods: ['public'] };

const FILE_OBJECTS = {
  groups: [{ id: 'file-group' }],
  infrastructures: [{ id: 'file-infra', nodes: [NODE] }],
  services: [{ id: 'file-svc', versions: [{ id: 'v1', auth: PUBLIC }] }],
  deployments: [{ id: 'file-dep', service: 'file-svc', version: 'v1', infrastructure: 'file-infra' }],
};

function details(res: { body: Obj }): { path: string; message: string }[] {
  return res.body.details as { path: string; message: string }[];
}

describe('admin API: deployer model', () => {
  let t: AdminTest;
  before(async () => {
    t = await startAdminTest(FILE_OBJECTS);
  });
  after(() => t.stop());

  describe('infrastructures', () => {
    it('creates, reads, lists (with the file objects), replaces and deletes', async () => {
      const created = await t.admin('POST', '/api/v1/infrastructures', {
        id: 'dev',
        stage: 'dev',
        nodes: [NODE],
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.source, 'api');
      assert.deepEqual(created.body.nodes, [{ url: NODE, weight: 1 }]);
      assert.equal(typeof created.body.createdAt, 'string');

      const read = await t.admin('GET', '/api/v1/infrastructures/dev');
      assert.equal(read.status, 200);
      assert.equal(read.body.id, 'dev');
      assert.equal(read.body.permissions, undefined, 'permissions only through /permissions');

      const list = await t.admin<Page>('GET', '/api/v1/infrastructures');
      const sources = Object.fromEntries(list.body.items.map((i) => [String(i.id), i.source] as const));
      assert.equal(sources['file-infra'], 'config');
      assert.equal(sources.dev, 'api');

      assert.equal((await t.admin('POST', '/api/v1/groups', { id: 'team' })).status, 201);
      const granted = await t.admin('PUT', '/api/v1/infrastructures/dev/permissions', {
        permissions: { team: ['deploy'] },
      });
      assert.equal(granted.status, 200, granted.text);
      const replaced = await t.admin('PUT', '/api/v1/infrastructures/dev', {
        stage: 'test',
        nodes: [NODE, NODE.replace('9', '10')],
      });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.body.stage, 'test');
      const perms = await t.admin('GET', '/api/v1/infrastructures/dev/permissions');
      assert.deepEqual(perms.body, { permissions: { team: ['deploy'] } }, 'a PUT keeps the permissions');

      assert.equal((await t.admin('DELETE', '/api/v1/infrastructures/dev')).status, 204);
      const gone = await t.admin('GET', '/api/v1/infrastructures/dev');
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error, 'not_found');
    });

    it('names the failing field and refuses unknown fields (422)', async () => {
      const bad = await t.admin('POST', '/api/v1/infrastructures', {
        id: 'bad',
        nodes: ['ftp://x'],
        colour: 'red',
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error, 'validation_failed');
      const paths = details(bad).map((d) => d.path);
      assert.ok(paths.includes('nodes[0]'), JSON.stringify(paths));
      assert.ok(paths.includes('colour'), JSON.stringify(paths));
      const mismatch = await t.admin('PUT', '/api/v1/infrastructures/file-infra', {
        id: 'other',
        nodes: [NODE],
      });
      assert.equal(mismatch.status, 409, 'read-only is decided before the body is compared');
    });

    it('refuses duplicates and writes to objects declared in the file (409)', async () => {
      await t.admin('POST', '/api/v1/infrastructures', { id: 'dup', nodes: [NODE] });
      const again = await t.admin('POST', '/api/v1/infrastructures', { id: 'dup', nodes: [NODE] });
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'conflict');
      assert.equal(
        (await t.admin('POST', '/api/v1/infrastructures', { id: 'file-infra', nodes: [NODE] })).status,
        409,
      );
      const put = await t.admin('PUT', '/api/v1/infrastructures/file-infra', { nodes: [NODE] });
      assert.equal(put.status, 409);
      assert.match(String(put.body.message), /declared in the configuration file; read-only through the API/);
      assert.equal((await t.admin('DELETE', '/api/v1/infrastructures/file-infra')).status, 409);
      assert.equal(
        (await t.admin('PUT', '/api/v1/infrastructures/file-infra/permissions', { permissions: {} })).status,
        409,
      );
    });

    it('paginates with limit and cursor', async () => {
      for (let i = 0; i < 5; i += 1)
        await t.admin('POST', '/api/v1/infrastructures', { id: `page-${i}`, nodes: [NODE] });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: Page } = await t.admin<Page>(
          'GET',
          `/api/v1/infrastructures?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.equal(res.status, 200);
        assert.ok(res.body.items.length <= 2);
        seen.push(...res.body.items.map((i) => String(i.id)));
        cursor = res.body.next;
        pages += 1;
      } while (cursor !== null && pages < 20);
      for (let i = 0; i < 5; i += 1) assert.ok(seen.includes(`page-${i}`));
      assert.ok(seen.includes('file-infra'));
      assert.deepEqual(seen, [...seen].sort(), 'ordered by id');
      assert.equal(new Set(seen).size, seen.length, 'no item twice');
      for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=nonsense', 'colour=red']) {
        const res = await t.admin('GET', `/api/v1/infrastructures?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error, 'bad_request');
      }
    });
  });

  describe('services and versions', () => {
    it('creates a service (no owner for an admin key) and its versions; deletes both', async () => {
      const svc = await t.admin('POST', '/api/v1/services', { id: 'scoring', description: 'scores' });
      assert.equal(svc.status, 201, svc.text);
      assert.equal(svc.body.owner, undefined);
      const v = await t.admin('POST', '/api/v1/services/scoring/versions', { id: 'v1', auth: PUBLIC });
      assert.equal(v.status, 201, v.text);
      assert.equal(v.body.service, 'scoring');
      assert.equal(
        (await t.admin('POST', '/api/v1/services/scoring/versions', { id: 'v1', auth: PUBLIC })).status,
        409,
      );
      await t.admin('POST', '/api/v1/services/scoring/versions', {
        id: 'v2',
        description: 'two',
        auth: PUBLIC,
      });
      const versions = await t.admin<Page>('GET', '/api/v1/services/scoring/versions');
      assert.deepEqual(
        versions.body.items.map((i) => i.id),
        ['v1', 'v2'],
      );
      const put = await t.admin('PUT', '/api/v1/services/scoring/versions/v2', {
        description: 'deux',
        auth: PUBLIC,
      });
      assert.equal(put.status, 200, put.text);
      assert.equal((await t.admin('GET', '/api/v1/services/scoring/versions/v2')).body.description, 'deux');
      assert.equal((await t.admin('DELETE', '/api/v1/services/scoring/versions/v2')).status, 204);
      assert.equal((await t.admin('GET', '/api/v1/services/scoring/versions/v2')).status, 404);
      assert.equal((await t.admin('POST', '/api/v1/users', { id: 'alice' })).status, 201);
      const upd = await t.admin('PUT', '/api/v1/services/scoring', { description: 'new', owner: 'alice' });
      assert.equal(upd.status, 200, upd.text);
      assert.equal(upd.body.owner, 'alice');
      assert.equal((await t.admin('DELETE', '/api/v1/services/scoring')).status, 204);
      assert.equal((await t.admin('GET', '/api/v1/services/scoring/versions/v1')).status, 404);
      const again = await t.admin('POST', '/api/v1/services', { id: 'scoring' });
      assert.equal(again.status, 201, 'the versions went with the service');
      assert.deepEqual((await t.admin<Page>('GET', '/api/v1/services/scoring/versions')).body.items, []);
    });

    it('lists file services with source config; their versions are read-only', async () => {
      const list = await t.admin<Page>('GET', '/api/v1/services');
      assert.equal(list.body.items.find((s) => s.id === 'file-svc')?.source, 'config');
      const versions = await t.admin<Page>('GET', '/api/v1/services/file-svc/versions');
      assert.equal(versions.body.items[0]?.source, 'config');
      assert.equal(
        (await t.admin('POST', '/api/v1/services/file-svc/versions', { id: 'v9', auth: PUBLIC })).status,
        409,
      );
      assert.equal((await t.admin('DELETE', '/api/v1/services/file-svc/versions/v1')).status, 409);
      assert.equal((await t.admin('DELETE', '/api/v1/services/file-svc')).status, 409);
    });

    it('refuses authorization settings naming an unknown JWT provider (422 naming the field)', async () => {
      await t.admin('POST', '/api/v1/services', { id: 'jwtsvc' });
      const res = await t.admin('POST', '/api/v1/services/jwtsvc/versions', {
        id: 'v1',
        auth: { methods: ['jwt'], jwt: { providers: ['nope'] } },
      });
      assert.equal(res.status, 422);
      assert.deepEqual(
        details(res).map((d) => d.path),
        ['auth.jwt.providers[0]'],
      );
      // No module registers mtls yet: a deployment listing it would stop the whole plan compiling.
      const mtls = await t.admin('POST', '/api/v1/services/jwtsvc/versions', {
        id: 'v1',
        auth: { methods: ['mtls'] },
      });
      assert.equal(mtls.status, 422, mtls.text);
      assert.deepEqual(details(mtls), [
        { path: 'auth.methods[0]', message: 'method "mtls" is not available on this server' },
      ]);
      const ok = await t.admin('POST', '/api/v1/services/jwtsvc/versions', {
        id: 'v1',
        auth: { methods: ['jwt'], jwt: { providers: ['users'] } },
      });
      assert.equal(ok.status, 201, ok.text);
    });
  });

  describe('deployments', () => {
    before(async () => {
      await t.admin('POST', '/api/v1/infrastructures', { id: 'prod', stage: 'prod', nodes: [NODE] });
      await t.admin('POST', '/api/v1/services', { id: 'pricing' });
      await t.admin('POST', '/api/v1/services/pricing/versions', { id: 'v1', auth: PUBLIC });
      await t.admin('POST', '/api/v1/services/pricing/versions', { id: 'v2', auth: PUBLIC });
    });

    it('creates, reads, replaces, disables, enables and deletes a deployment', async () => {
      const created = await t.admin('POST', '/api/v1/deployments', {
        id: 'pricing-prod',
        service: 'pricing',
        version: 'v1',
        infrastructure: 'prod',
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.basePath, '/public/api/v1/pricing');
      assert.equal(created.body.auth, 'inherit');
      const moved = await t.admin('PUT', '/api/v1/deployments/pricing-prod', {
        service: 'pricing',
        version: 'v2',
        infrastructure: 'prod',
        basePath: '/pricing',
      });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.body.version, 'v2');
      assert.equal((await t.admin('POST', '/api/v1/deployments/pricing-prod/disable')).body.enabled, false);
      assert.equal((await t.admin('POST', '/api/v1/deployments/pricing-prod/enable')).body.enabled, true);
      const list = await t.admin<Page>('GET', '/api/v1/deployments');
      const sources = Object.fromEntries(list.body.items.map((d) => [String(d.id), d.source] as const));
      assert.deepEqual([sources['file-dep'], sources['pricing-prod']], ['config', 'api']);
      // The old route was released: another deployment may take it now.
      const reuse = await t.admin('POST', '/api/v1/deployments', {
        id: 'pricing-old-route',
        service: 'pricing',
        version: 'v1',
        infrastructure: 'prod',
      });
      assert.equal(reuse.status, 201, reuse.text);
      assert.equal((await t.admin('DELETE', '/api/v1/deployments/pricing-old-route')).status, 204);
      assert.equal((await t.admin('DELETE', '/api/v1/deployments/pricing-prod')).status, 204);
      assert.equal((await t.admin('GET', '/api/v1/deployments/pricing-prod')).status, 404);
    });

    it('answers 422 naming a missing service, version or infrastructure', async () => {
      const base = { id: 'broken', service: 'pricing', version: 'v1', infrastructure: 'prod' };
      for (const [field, value] of [
        ['service', 'nope'],
        ['version', 'v9'],
        ['infrastructure', 'nope'],
      ] as const) {
        const res = await t.admin('POST', '/api/v1/deployments', { ...base, [field]: value });
        assert.equal(res.status, 422, field);
        assert.equal(res.body.error, 'validation_failed');
        assert.ok(
          details(res).some((d) => d.path === field),
          JSON.stringify(res.body),
        );
      }
      assert.equal((await t.admin('GET', '/api/v1/deployments/broken')).status, 404);
    });

    it('refuses a route another deployment serves (API or file) with 409 naming it', async () => {
      const first = { id: 'r1', service: 'pricing', version: 'v1', infrastructure: 'prod', basePath: '/r' };
      assert.equal((await t.admin('POST', '/api/v1/deployments', first)).status, 201);
      const clash = await t.admin('POST', '/api/v1/deployments', { ...first, id: 'r2', basePath: '/r/' });
      assert.equal(clash.status, 409);
      assert.match(String(clash.body.message), /"r1"/);
      const onHost = await t.admin('POST', '/api/v1/deployments', {
        ...first,
        id: 'r3',
        host: 'api.example.com',
      });
      assert.equal(onHost.status, 201, 'a host makes it another route');
      const fileClash = await t.admin('POST', '/api/v1/deployments', {
        ...first,
        id: 'r4',
        basePath: '/public/api/v1/file-svc',
      });
      assert.equal(fileClash.status, 409);
      assert.match(String(fileClash.body.message), /"file-dep"/);
      assert.equal((await t.admin('POST', '/api/v1/deployments', { ...first, id: 'file-dep' })).status, 409);
    });

    it('refuses deleting what deployments use (409 with the list)', async () => {
      await t.admin('POST', '/api/v1/deployments', {
        id: 'u1',
        service: 'pricing',
        version: 'v2',
        infrastructure: 'prod',
        basePath: '/u1',
      });
      const svc = await t.admin('DELETE', '/api/v1/services/pricing');
      assert.equal(svc.status, 409);
      assert.ok((svc.body.details as { deployments: string[] }).deployments.includes('u1'));
      const version = await t.admin('DELETE', '/api/v1/services/pricing/versions/v2');
      assert.equal(version.status, 409);
      assert.deepEqual(version.body.details, { deployments: ['u1'] });
      const infra = await t.admin('DELETE', '/api/v1/infrastructures/prod');
      assert.equal(infra.status, 409);
      assert.ok((infra.body.details as { deployments: string[] }).deployments.includes('u1'));
    });

    it('keeps file deployments read-only', async () => {
      for (const [method, path] of [
        ['POST', '/api/v1/deployments/file-dep/disable'],
        ['DELETE', '/api/v1/deployments/file-dep'],
      ] as const) {
        const res = await t.admin(method, path);
        assert.equal(res.status, 409, path);
        assert.match(String(res.body.message), /read-only through the API/);
      }
      const put = await t.admin('PUT', '/api/v1/deployments/file-dep', {
        service: 'file-svc',
        version: 'v1',
        infrastructure: 'file-infra',
      });
      assert.equal(put.status, 409);
    });
  });
});
