/**
 * `write` on a service must not change what runs in production: once any deployment
 * (enabled or not) uses a version, its authorization settings are frozen (409 naming the
 * deployments); other fields stay editable by `write`, and a change of settings is a new
 * version that someone with deploy on the service and the infrastructure rolls out.
 * Through real sockets, with the data plane checked before and after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../../helpers/http.js';
import { startUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { startAdminTest, storeSnapshot, type AdminTest } from './support.js';

const GUARDED = { methods: ['jwt'], jwt: { providers: ['users'] } };
const PUBLIC = { methods: ['public'] };

interface AuditPage {
  items: { action: string; outcome: string; details?: Record<string, unknown> }[];
}

describe('admin API: a deployed version’s authorization settings are frozen', () => {
  let t: AdminTest;
  let upstream: TestUpstream;
  let writer = '';
  let deployer = '';

  /** Anonymous traffic to the deployment is refused (401) and never reaches the upstream. */
  const anonymousRefused = async (): Promise<void> => {
    const before = upstream.requests.length;
    const res = await send(t.gh.url, '/frozen/data');
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json<{ error: string }>().error, 'missing_credentials');
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  };

  before(async () => {
    upstream = await startUpstream('prod');
    t = await startAdminTest();
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await t.admin(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
    };
    for (const id of ['writers', 'deployers']) await must('POST', '/api/v1/groups', { id });
    await must('POST', '/api/v1/infrastructures', {
      id: 'prod',
      stage: 'prod',
      nodes: [upstream.url],
      permissions: { deployers: ['deploy'] },
    });
    await must('POST', '/api/v1/services', {
      id: 'svc',
      permissions: { writers: ['write'], deployers: ['deploy'] },
    });
    await must('POST', '/api/v1/services/svc/versions', { id: 'v1', auth: GUARDED });
    await must('POST', '/api/v1/deployments', {
      id: 'dep',
      service: 'svc',
      version: 'v1',
      infrastructure: 'prod',
      basePath: '/frozen',
    });
    writer = await t.token('wendy', ['writers'], ['gatehouse:deploy']);
    deployer = await t.token('dora', ['deployers'], ['gatehouse:deploy']);
  });
  after(async () => {
    await t.stop();
    await upstream.close();
  });

  it('refuses a write-only user who makes a deployed version public; production still refuses anonymous traffic', async () => {
    await anonymousRefused();
    const before = await storeSnapshot(t.store);
    const res = await t.call('PUT', '/api/v1/services/svc/versions/v1', {
      bearer: writer,
      body: { auth: PUBLIC },
    });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error, 'conflict');
    assert.deepEqual(res.body.details, { deployments: ['dep'] });
    assert.match(String(res.body.message), /dep/);
    assert.equal((await storeSnapshot(t.store)).docs, before.docs, 'the store did not change');
    await anonymousRefused();
    // Not even an admin key may: the settings are part of the packaged version.
    const byAdmin = await t.admin('PUT', '/api/v1/services/svc/versions/v1', { auth: PUBLIC });
    assert.equal(byAdmin.status, 409, byAdmin.text);
    await anonymousRefused();
  });

  it('lets write change what does not reach production, and audits before and after', async () => {
    const described = await t.call('PUT', '/api/v1/services/svc/versions/v1', {
      bearer: writer,
      body: { description: 'the first release', auth: GUARDED },
    });
    assert.equal(described.status, 200, described.text);
    const audit = await t.admin<AuditPage>(
      'GET',
      '/api/v1/audit?action=version.update&outcome=success&limit=1',
    );
    const details = audit.body.items[0]?.details;
    assert.deepEqual(details?.changed, ['description']);
    assert.equal((details?.before as { description?: string }).description, undefined);
    assert.equal((details?.after as { description?: string }).description, 'the first release');
    assert.deepEqual(
      (details?.after as { auth?: unknown }).auth,
      (details?.before as { auth?: unknown }).auth,
    );

    const v2 = await t.call('POST', '/api/v1/services/svc/versions', {
      bearer: writer,
      body: { id: 'v2', auth: GUARDED },
    });
    assert.equal(v2.status, 201, v2.text);
    const undeployed = await t.call('PUT', '/api/v1/services/svc/versions/v2', {
      bearer: writer,
      body: { auth: PUBLIC },
    });
    assert.equal(undeployed.status, 200, `a version no deployment uses stays editable: ${undeployed.text}`);
    await anonymousRefused();
  });

  it('a disabled deployment freezes its version too', async () => {
    const v3 = await t.admin('POST', '/api/v1/services/svc/versions', { id: 'v3', auth: GUARDED });
    assert.equal(v3.status, 201, v3.text);
    const off = await t.admin('POST', '/api/v1/deployments', {
      id: 'dep-off',
      service: 'svc',
      version: 'v3',
      infrastructure: 'prod',
      basePath: '/off',
      enabled: false,
    });
    assert.equal(off.status, 201, off.text);
    const res = await t.call('PUT', '/api/v1/services/svc/versions/v3', {
      bearer: writer,
      body: { auth: PUBLIC },
    });
    assert.equal(res.status, 409, res.text);
    assert.deepEqual(res.body.details, { deployments: ['dep-off'] });
  });

  it('a deployment created while the settings change is committing freezes them all the same', async () => {
    assert.equal(
      (await t.admin('POST', '/api/v1/services/svc/versions', { id: 'v4', auth: GUARDED })).status,
      201,
    );
    // Hold the version write on the real store after its check found no deployment,
    // and deploy the version meanwhile: the deployment's transaction touches the version.
    const store = t.store;
    const transact = store.transact.bind(store);
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    store.transact = async (ops, options) => {
      if (holding && ops.some((o) => o.collection === 'versions' && o.id === 'svc/v4' && o.op === 'update')) {
        holding = false;
        reached();
        await held;
      }
      return transact(ops, options);
    };
    try {
      const changing = t.call('PUT', '/api/v1/services/svc/versions/v4', {
        bearer: writer,
        body: { auth: PUBLIC },
      });
      await atCommit;
      const deployed = await t.admin('POST', '/api/v1/deployments', {
        id: 'dep-v4',
        service: 'svc',
        version: 'v4',
        infrastructure: 'prod',
        basePath: '/v4',
      });
      assert.equal(deployed.status, 201, deployed.text);
      release();
      const changed = await changing;
      assert.equal(changed.status, 409, changed.text);
      assert.deepEqual(changed.body.details, { deployments: ['dep-v4'] });
    } finally {
      store.transact = transact;
      release();
    }
    const before = upstream.requests.length;
    const res = await send(t.gh.url, '/v4/data');
    assert.equal(res.status, 401, res.text);
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  });

  it('rolling out the new version needs deploy on the service and the infrastructure', async () => {
    const target = { service: 'svc', version: 'v2', infrastructure: 'prod', basePath: '/frozen' };
    const byWriter = await t.call('PUT', '/api/v1/deployments/dep', { bearer: writer, body: target });
    assert.equal(byWriter.status, 404, 'a writer without view on the infrastructure does not even see it');
    await anonymousRefused();
    const byDeployer = await t.call('PUT', '/api/v1/deployments/dep', { bearer: deployer, body: target });
    assert.equal(byDeployer.status, 200, byDeployer.text);
    const before = upstream.requests.length;
    const res = await send(t.gh.url, '/frozen/data');
    assert.equal(res.status, 200, res.text);
    assert.equal(upstream.requests.length, before + 1, 'the rolled-out public version reaches the upstream');
  });
});
