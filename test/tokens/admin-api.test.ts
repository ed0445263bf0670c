/**
 * The token service together with the admin API: users created, disabled and settings
 * changed through the admin API take effect on Gatehouse tokens at once, and users call
 * the admin API with their Gatehouse tokens (refused while implicit login is disabled).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdminKey } from '../../src/control/repository/admin-keys.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { assertReached, assertRefused, bearer, createPersonalToken, login, tokenConfig } from './support.js';

describe('token service with the admin API', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let adminKey = '';

  const admin = (method: string, path: string, body?: unknown): Promise<SimpleResponse> =>
    send(gh.adminUrl, path, {
      method,
      headers: { ...bearer(adminKey), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  before(async () => {
    upstream = await startUpstream('api');
    const config = tokenConfig(upstream.url);
    config.groups = [{ id: 'analysts', scopes: ['results:read'] }];
    gh = await startGatehouse(config);
    adminKey = (await createAdminKey(gh.gatehouse.store, gh.gatehouse.clock, 'tests')).key;
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('a user made through the admin API logs in, calls the admin API, and is cut off when disabled', async () => {
    const created = await admin('POST', '/api/v1/users', {
      id: 'frank',
      password: 'frank-password',
      groups: ['analysts'],
    });
    assert.equal(created.status, 201, created.text);
    const { jwt } = await login(gh.adminUrl, 'frank', 'frank-password');
    await assertReached(gh.url, '/reader/x', jwt, upstream, 'frank');
    const asUser = await send(gh.adminUrl, '/api/v1/services', { headers: bearer(jwt) });
    assert.equal(asUser.status, 200, `a Gatehouse JWT identifies the user on the admin API: ${asUser.text}`);
    const personal = await createPersonalToken(gh.adminUrl, jwt, {
      name: 'f',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });

    const disabled = await admin('PUT', '/api/v1/users/frank', { groups: ['analysts'], disabled: true });
    assert.equal(disabled.status, 200, disabled.text);
    await assertRefused(gh.url, '/reader/x', jwt, upstream, 401, 'invalid_token');
    await assertRefused(gh.url, '/reader/x', personal.token, upstream, 401, 'invalid_token');
    assert.equal((await send(gh.adminUrl, '/api/v1/services', { headers: bearer(jwt) })).status, 401);
  });

  it('implicit login switched off through PATCH /api/v1/settings', async () => {
    await admin('POST', '/api/v1/users', { id: 'gina', password: 'gina-password' });
    const { jwt } = await login(gh.adminUrl, 'gina', 'gina-password');
    const personal = await createPersonalToken(gh.adminUrl, jwt, {
      name: 'g',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const off = await admin('PATCH', '/api/v1/settings', { implicitLogin: false });
    assert.equal(off.status, 200, off.text);
    try {
      await assertRefused(gh.url, '/open/x', jwt, upstream, 401, 'invalid_token');
      assert.equal((await send(gh.adminUrl, '/api/v1/services', { headers: bearer(jwt) })).status, 401);
      assert.equal((await send(gh.adminUrl, '/api/v1/tokens', { headers: bearer(jwt) })).status, 200);
      await assertReached(gh.url, '/open/x', personal.token, upstream, 'gina');
      assert.equal(
        (await send(gh.adminUrl, '/api/v1/services', { headers: bearer(personal.token) })).status,
        200,
      );
    } finally {
      await admin('PATCH', '/api/v1/settings', { implicitLogin: true });
    }
    await assertReached(gh.url, '/open/x', jwt, upstream, 'gina');
  });
});
