/**
 * The token service together with the admin API: users created, disabled and settings
 * changed through the admin API take effect on Gatehouse tokens at once, and users call
 * the admin API with their Gatehouse tokens (refused while implicit login is disabled).
 * On the admin API a Gatehouse token acts with its user's groups as stored now (not the
 * JWT's copy), and a JWT of a revoked refresh-token session is refused at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdminKey } from '../../src/control/repository/admin-keys.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  assertReached,
  assertRefused,
  bearer,
  claimsOf,
  createPersonalToken,
  login,
  postJson,
  tokenConfig,
} from './support.js';

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
    const ops = await admin('POST', '/api/v1/groups', { id: 'ops', global: ['admin'] });
    assert.equal(ops.status, 201, ops.text);
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

  it('a user removed from a group loses its privileges on the admin API at once, with a JWT issued before too', async () => {
    assert.equal(
      (await admin('POST', '/api/v1/users', { id: 'ivan', password: 'ivan-password', groups: ['ops'] }))
        .status,
      201,
    );
    const { jwt } = await login(gh.adminUrl, 'ivan', 'ivan-password');
    const asIvan = (method: string, path: string, body?: unknown) =>
      send(gh.adminUrl, path, {
        method,
        headers: { ...bearer(jwt), 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    assert.equal((await asIvan('GET', '/api/v1/users')).status, 200);

    const demoted = await admin('PUT', '/api/v1/users/ivan', { groups: [] });
    assert.equal(demoted.status, 200, demoted.text);
    assert.deepEqual(claimsOf(jwt).groups, ['ops'], 'the JWT still carries the group it was issued with');
    assertGatehouseError(await asIvan('GET', '/api/v1/users'), 403, 'forbidden');
    // Nor can the old JWT undo the demotion.
    assertGatehouseError(await asIvan('PUT', '/api/v1/users/ivan', { groups: ['ops'] }), 403, 'forbidden');
    assertGatehouseError(
      await asIvan('POST', '/api/v1/users', { id: 'ivan2', groups: ['ops'] }),
      403,
      'forbidden',
    );
    assert.deepEqual((await admin('GET', '/api/v1/users/ivan')).json().groups, []);
    assert.equal((await admin('GET', '/api/v1/users/ivan2')).status, 404);
  });

  it('a JWT of a revoked refresh-token session is refused by the admin API at once', async () => {
    assert.equal(
      (await admin('POST', '/api/v1/users', { id: 'judy', password: 'judy-password', groups: ['ops'] }))
        .status,
      201,
    );
    const options = (clientId: string) => ({ issueRefreshToken: true, clientId });
    const cli = await login(gh.adminUrl, 'judy', 'judy-password', options('cli'));
    const laptop = await login(gh.adminUrl, 'judy', 'judy-password', options('laptop'));
    const plain = await login(gh.adminUrl, 'judy', 'judy-password');
    for (const { jwt } of [cli, laptop, plain])
      assert.equal((await send(gh.adminUrl, '/api/v1/users', { headers: bearer(jwt) })).status, 200);

    // Signed out: the chain is revoked by its own refresh token.
    const revoked = await postJson(gh.adminUrl, '/api/v1/auth/revoke', { refresh_token: cli.refresh_token });
    assert.deepEqual(revoked.json(), { revoked: true });
    assertGatehouseError(
      await send(gh.adminUrl, '/api/v1/users', { headers: bearer(cli.jwt) }),
      401,
      'invalid_token',
    );
    const backdoor = await send(gh.adminUrl, '/api/v1/users', {
      method: 'POST',
      headers: { ...bearer(cli.jwt), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'backdoor', password: 'backdoor-password', groups: ['ops'] }),
    });
    assertGatehouseError(backdoor, 401, 'invalid_token');
    assert.equal((await admin('GET', '/api/v1/users/backdoor')).status, 404, 'nothing was created');

    // Revoked by an admin: the token administration endpoints refuse it as well.
    const sid = String(claimsOf(laptop.jwt).sid);
    assert.equal((await admin('DELETE', `/api/v1/users/judy/refresh-tokens/${sid}`)).status, 204);
    for (const path of ['/api/v1/services', '/api/v1/users/judy/refresh-tokens'])
      assertGatehouseError(
        await send(gh.adminUrl, path, { headers: bearer(laptop.jwt) }),
        401,
        'invalid_token',
      );

    // A JWT of no session, and the other sessions' JWTs, are untouched.
    assert.equal((await send(gh.adminUrl, '/api/v1/users', { headers: bearer(plain.jwt) })).status, 200);
  });
});
