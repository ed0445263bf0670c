/**
 * Control scopes through real sockets: a scope-restricted credential (a personal token
 * created with scopes, a provider's token) acts on the admin API only within its scopes,
 * intersected with its user's privileges; a login JWT and a personal token created without
 * scopes act with the user's full rights. Every refusal asserts status, code, the RFC 6750
 * challenge and that the store did not change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SIGNING_SECRET } from '../../tokens/support.js';
import { startAdminTest, storeSnapshot, type AdminTest, type ApiResponse } from './support.js';

const NODE = 'http://127.0.0.1:9';
const PASSWORD = 'admin password 42';
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

describe('admin API: a credential acts with its scopes, not its user’s full rights', () => {
  let t: AdminTest;
  let jwt = '';
  const personal: Record<string, string> = {};

  const mint = async (name: string, scopes?: string[]): Promise<string> => {
    const res = await t.call('POST', '/api/v1/tokens', {
      bearer: jwt,
      body: { name, expiresAt: inDays(1), ...(scopes ? { scopes } : {}) },
    });
    assert.equal(res.status, 201, res.text);
    return String(res.body.token);
  };

  /** The call is refused with 403 insufficient_scope naming `scope`, and nothing is stored. */
  const refusedForScope = async (
    bearer: string,
    method: string,
    path: string,
    scope: string,
    body?: unknown,
  ): Promise<ApiResponse> => {
    const before = await storeSnapshot(t.store);
    const res = await t.call(method, path, { bearer, ...(body === undefined ? {} : { body }) });
    assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    assert.equal(res.body.error, 'insufficient_scope');
    assert.match(String(res.body.message), new RegExp(scope));
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, new RegExp(`scope="${scope}"`));
    assert.ok(!res.text.includes(bearer), 'the token is not echoed');
    const after = await storeSnapshot(t.store);
    assert.equal(after.docs, before.docs, `${method} ${path}: the store changed`);
    return res;
  };

  before(async () => {
    t = await startAdminTest({ tokens: { signing: { secret: SIGNING_SECRET } } });
    const must = async (method: string, path: string, body: unknown) => {
      const res = await t.admin(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
    };
    // A global admin whose groups carry results:read and every control scope.
    await must('POST', '/api/v1/groups', {
      id: 'admins',
      global: ['admin'],
      scopes: ['results:read', 'gatehouse:*'],
    });
    await must('POST', '/api/v1/users', { id: 'root', password: PASSWORD, groups: ['admins'] });
    const login = await t.call('POST', '/api/v1/auth/tokens', {
      body: { grant_type: 'password', username: 'root', password: PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
    jwt = String(login.body.jwt);
    personal.results = await mint('results', ['results:read']);
    personal.read = await mint('read', ['gatehouse:read']);
    personal.deploy = await mint('deploy', ['gatehouse:deploy']);
    personal.unscoped = await mint('unscoped');
  });
  after(() => t.stop());

  it('a personal token scoped to results:read administers nothing, though its user is a global admin', async () => {
    const token = personal.results as string;
    await refusedForScope(token, 'POST', '/api/v1/users', 'gatehouse:admin', {
      id: 'mallory',
      groups: ['admins'],
    });
    await refusedForScope(token, 'POST', '/api/v1/infrastructures', 'gatehouse:admin', {
      id: 'evil',
      nodes: [NODE],
    });
    await refusedForScope(token, 'GET', '/api/v1/audit', 'gatehouse:admin');
    await refusedForScope(token, 'GET', '/api/v1/services', 'gatehouse:read');
    await refusedForScope(token, 'PATCH', '/api/v1/settings', 'gatehouse:admin', { implicitLogin: false });
    assert.equal((await t.admin('GET', '/api/v1/users/mallory')).status, 404);
    assert.equal((await t.admin('GET', '/api/v1/infrastructures/evil')).status, 404);
    // The refusals are audited as denied.
    const audit = await t.admin<{ items: { outcome: string; details?: { error?: string } }[] }>(
      'GET',
      '/api/v1/audit?action=user.create&outcome=denied',
    );
    assert.equal(audit.body.items[0]?.details?.error, 'insufficient_scope');
  });

  it('the same user’s login JWT and an unscoped personal token act with the user’s full rights', async () => {
    const byJwt = await t.call('POST', '/api/v1/infrastructures', {
      bearer: jwt,
      body: { id: 'by-jwt', nodes: [NODE] },
    });
    assert.equal(byJwt.status, 201, byJwt.text);
    const byToken = await t.call('POST', '/api/v1/infrastructures', {
      bearer: personal.unscoped as string,
      body: { id: 'by-unscoped', nodes: [NODE] },
    });
    assert.equal(byToken.status, 201, byToken.text);
    assert.equal((await t.call('GET', '/api/v1/audit', { bearer: jwt })).status, 200);
    const user = await t.call('POST', '/api/v1/users', { bearer: jwt, body: { id: 'made-by-jwt' } });
    assert.equal(user.status, 201, user.text);
  });

  it('gatehouse:read reads but does not write; gatehouse:deploy writes the deployer model only', async () => {
    const read = personal.read as string;
    const got = await t.call('GET', '/api/v1/infrastructures/by-jwt', { bearer: read });
    assert.equal(got.status, 200, got.text);
    assert.equal((await t.call('GET', '/api/v1/users/root', { bearer: read })).status, 200);
    await refusedForScope(read, 'PUT', '/api/v1/infrastructures/by-jwt', 'gatehouse:admin', {
      nodes: [NODE],
    });
    await refusedForScope(read, 'POST', '/api/v1/services', 'gatehouse:deploy', { id: 'by-reader' });
    await refusedForScope(read, 'GET', '/api/v1/audit', 'gatehouse:admin');

    const deploy = personal.deploy as string;
    assert.equal(
      (await t.call('GET', '/api/v1/infrastructures/by-jwt', { bearer: deploy })).status,
      200,
      'deploy ⊇ read',
    );
    const svc = await t.call('POST', '/api/v1/services', { bearer: deploy, body: { id: 'by-deployer' } });
    assert.equal(svc.status, 201, svc.text);
    const version = await t.call('POST', '/api/v1/services/by-deployer/versions', {
      bearer: deploy,
      body: { id: 'v1', auth: { methods: ['public'] } },
    });
    assert.equal(version.status, 201, version.text);
    await refusedForScope(deploy, 'POST', '/api/v1/infrastructures', 'gatehouse:admin', {
      id: 'x',
      nodes: [NODE],
    });
    await refusedForScope(deploy, 'PUT', '/api/v1/services/by-deployer/permissions', 'gatehouse:admin', {
      permissions: { admins: ['read'] },
    });
  });

  it('a provider’s token is restricted to its scope claim; the wildcards keep their meaning', async () => {
    const none = await t.token('root', ['admins'], []);
    await refusedForScope(none, 'GET', '/api/v1/services', 'gatehouse:read');
    const readOnly = await t.token('root', ['admins'], ['gatehouse:read']);
    assert.equal((await t.call('GET', '/api/v1/services', { bearer: readOnly })).status, 200);
    await refusedForScope(readOnly, 'DELETE', '/api/v1/infrastructures/by-unscoped', 'gatehouse:admin');
    for (const [i, wildcard] of ['gatehouse:*', '*', 'admin:*'].entries()) {
      const token = await t.token('root', ['admins'], [wildcard]);
      const res = await t.call('POST', '/api/v1/infrastructures', {
        bearer: token,
        body: { id: `wild-${i}`, nodes: [NODE] },
      });
      assert.equal(res.status, 201, `${wildcard}: ${res.text}`);
    }
    // A scope never grants a privilege: the permission rules still apply.
    const powerless = await t.token('nobody', [], ['gatehouse:admin']);
    const before = await storeSnapshot(t.store);
    const denied = await t.call('POST', '/api/v1/infrastructures', {
      bearer: powerless,
      body: { id: 'n', nodes: [NODE] },
    });
    assert.equal(denied.status, 403, denied.text);
    assert.equal(denied.body.error, 'forbidden');
    assert.equal((await storeSnapshot(t.store)).docs, before.docs);
  });

  it('an admin API key is not restricted', async () => {
    assert.equal((await t.admin('GET', '/api/v1/audit')).status, 200);
  });
});
