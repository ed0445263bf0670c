/**
 * The token service's admin endpoints (issue #8) on two Gatehouse instances sharing one
 * SQLite file, with an injected clock: a global admin lists and revokes another user's
 * refresh tokens and personal tokens, and revokes a JWT by `jti` (given, or read from
 * the token) — refused on both replicas and on one started later, on the data plane
 * and the admin API, until its `exp`. Everyone else is refused; bad input changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createAdminKey } from '../../src/control/repository/admin-keys.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  assertReached,
  assertRefused,
  bearer,
  claimsOf,
  createPersonalToken,
  login,
  refresh,
  tokenConfig,
} from './support.js';

const NOW = Date.UTC(2026, 5, 1, 10, 0, 0);
const inDays = (days: number): string => new Date(NOW + days * 86_400_000).toISOString();

describe('token administration', () => {
  let upstream: TestUpstream;
  let config: ConfigObject;
  let dataDir: string;
  let a: TestGatehouse;
  let b: TestGatehouse;
  let late: TestGatehouse | undefined;
  let adminKey = '';
  let rootJwt = '';
  const clock = new ManualClock(NOW);

  const call = (
    gh: TestGatehouse,
    method: string,
    path: string,
    credential: string | undefined,
    body?: unknown,
  ): Promise<SimpleResponse> =>
    send(gh.adminUrl, path, {
      method,
      headers: {
        ...(credential === undefined ? {} : bearer(credential)),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const asAdmin = (method: string, path: string, body?: unknown): Promise<SimpleResponse> =>
    call(a, method, path, adminKey, body);
  const auditOf = async (action: string) =>
    (await a.gatehouse.store.queryAudit({ action }, { limit: 100 })).items;

  before(async () => {
    upstream = await startUpstream('api');
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-tokens-'));
    config = tokenConfig(upstream.url, { bruteForce: { perAddress: { maxAttempts: 10_000 } } });
    config.store = { type: 'sqlite', sqlite: { dataDir, pollIntervalMs: 20 } };
    config.groups = [{ id: 'admins', global: ['admin'] }];
    a = await startGatehouse(config, { clock });
    b = await startGatehouse(config, { clock });
    adminKey = (await createAdminKey(a.gatehouse.store, clock, 'tests')).key;
    for (const user of [
      { id: 'root', password: 'root-password', groups: ['admins'] },
      { id: 'uma', password: 'uma-password' },
      { id: 'vic', password: 'vic-password' },
    ]) {
      const res = await asAdmin('POST', '/api/v1/users', user);
      assert.equal(res.status, 201, res.text);
    }
    await b.gatehouse.state.refresh();
    rootJwt = (await login(a.adminUrl, 'root', 'root-password')).jwt;
  });
  after(async () => {
    await late?.stop();
    await a.stop();
    await b.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists and revokes another user's refresh tokens", async () => {
    const laptop = await login(a.adminUrl, 'uma', 'uma-password', {
      issueRefreshToken: true,
      clientId: 'laptop',
    });
    const phone = await login(a.adminUrl, 'uma', 'uma-password', {
      issueRefreshToken: true,
      clientId: 'phone',
    });
    const listed = await call(b, 'GET', '/api/v1/users/uma/refresh-tokens', rootJwt);
    assert.equal(listed.status, 200, listed.text);
    const { refreshTokens } = listed.json<{ refreshTokens: Record<string, string>[] }>();
    assert.deepEqual(
      refreshTokens.map((t) => [t.clientId, t.id]).sort(),
      [
        ['laptop', claimsOf(laptop.jwt).sid],
        ['phone', claimsOf(phone.jwt).sid],
      ].sort(),
    );
    for (const t of refreshTokens)
      assert.deepEqual(Object.keys(t).sort(), ['clientId', 'createdAt', 'expiresAt', 'id', 'lastUsedAt']);
    assert.equal(refreshTokens[0]?.createdAt, new Date(NOW).toISOString());
    assert.equal(refreshTokens[0]?.expiresAt, new Date(NOW + 30 * 86_400_000).toISOString());
    for (const secret of [laptop.refresh_token, phone.refresh_token])
      assert.ok(!listed.text.includes((secret as string).split('.')[1] as string), 'no secret');
    assert.ok(!listed.text.includes('hash'));

    // Only global admins: not the user herself, not anonymous callers; unknown users are 404.
    const umaJwt = laptop.jwt;
    assertGatehouseError(await call(a, 'GET', '/api/v1/users/uma/refresh-tokens', umaJwt), 403, 'forbidden');
    assertGatehouseError(
      await call(a, 'DELETE', '/api/v1/users/uma/refresh-tokens', umaJwt),
      403,
      'forbidden',
    );
    assertGatehouseError(
      await call(a, 'GET', '/api/v1/users/uma/refresh-tokens', undefined),
      401,
      'missing_credentials',
    );
    assertGatehouseError(await asAdmin('GET', '/api/v1/users/nobody/refresh-tokens'), 404, 'not_found');
    assertGatehouseError(
      await asAdmin('DELETE', '/api/v1/users/uma/refresh-tokens/0123abcd'),
      404,
      'not_found',
    );
    assert.equal(
      (await refresh(a.adminUrl, laptop.refresh_token as string)).status,
      200,
      'nothing revoked yet',
    );

    const sid = claimsOf(laptop.jwt).sid as string;
    const revoked = await asAdmin('DELETE', `/api/v1/users/uma/refresh-tokens/${sid}`);
    assert.equal(revoked.status, 204, revoked.text);
    assertGatehouseError(await refresh(b.adminUrl, laptop.refresh_token as string), 401, 'invalid_token');
    await assertRefused(a.url, '/strict/x', laptop.jwt, upstream, 401, 'invalid_token');
    await waitFor(
      async () => (await send(b.url, '/strict/x', { headers: bearer(laptop.jwt) })).status === 401,
      'B applied the session revocation',
    );
    await assertRefused(b.url, '/strict/x', laptop.jwt, upstream, 401, 'invalid_token');
    await assertReached(b.url, '/strict/x', phone.jwt, upstream, 'uma');
    assertGatehouseError(
      await asAdmin('DELETE', `/api/v1/users/uma/refresh-tokens/${sid}`),
      404,
      'not_found',
    );
    const [record] = await auditOf('user.tokens.revoke');
    assert.deepEqual(record?.details, {
      kind: 'refresh_token',
      sessionId: sid,
      status: 404,
      error: 'not_found',
    });
    assert.ok(
      (await auditOf('user.tokens.revoke')).some(
        (r) => r.outcome === 'success' && (r.details as { sessionId?: unknown }).sessionId === sid,
      ),
    );

    const all = await call(a, 'DELETE', '/api/v1/users/uma/refresh-tokens', rootJwt);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json(), { revoked: 1 });
    assertGatehouseError(await refresh(a.adminUrl, phone.refresh_token as string), 401, 'invalid_token');
    const after = await asAdmin('GET', '/api/v1/users/uma/refresh-tokens');
    assert.deepEqual(after.json(), { refreshTokens: [] });
  });

  it("lists and deletes another user's personal tokens", async () => {
    const { jwt } = await login(a.adminUrl, 'vic', 'vic-password');
    const first = await createPersonalToken(a.adminUrl, jwt, { name: 'first', expiresAt: inDays(10) });
    const second = await createPersonalToken(a.adminUrl, jwt, { name: 'second', expiresAt: inDays(10) });
    const listed = await call(b, 'GET', '/api/v1/users/vic/tokens', rootJwt);
    assert.equal(listed.status, 200, listed.text);
    const { tokens } = listed.json<{ tokens: { id: string; name: string; token?: string }[] }>();
    assert.deepEqual(tokens.map((t) => t.name).sort(), ['first', 'second']);
    for (const t of tokens) assert.equal(t.token, undefined);
    assert.ok(!listed.text.includes(first.token) && !listed.text.includes(second.token), 'no secret');
    assertGatehouseError(await call(a, 'GET', '/api/v1/users/vic/tokens', jwt), 403, 'forbidden');
    assertGatehouseError(
      await call(a, 'DELETE', `/api/v1/users/vic/tokens/${first.id}`, jwt),
      403,
      'forbidden',
    );
    assertGatehouseError(await asAdmin('DELETE', `/api/v1/users/uma/tokens/${first.id}`), 404, 'not_found');
    await assertReached(a.url, '/open/x', first.token, upstream, 'vic');

    const deleted = await asAdmin('DELETE', `/api/v1/users/vic/tokens/${first.id}`);
    assert.equal(deleted.status, 204, deleted.text);
    await assertRefused(a.url, '/open/x', first.token, upstream, 401, 'invalid_token');
    await waitFor(
      async () => (await send(b.url, '/open/x', { headers: bearer(first.token) })).status === 401,
      'B dropped the token',
    );
    await assertRefused(b.url, '/open/x', first.token, upstream, 401, 'invalid_token');
    await assertReached(b.url, '/open/x', second.token, upstream, 'vic');
    const left = await asAdmin('GET', '/api/v1/users/vic/tokens');
    assert.deepEqual(
      left.json<{ tokens: { id: string }[] }>().tokens.map((t) => t.id),
      [second.id],
    );
  });

  it('revokes a JWT by jti until its exp, on every replica, on the data plane and the admin API', async () => {
    const target = (await login(a.adminUrl, 'uma', 'uma-password')).jwt;
    const bystander = (await login(a.adminUrl, 'uma', 'uma-password')).jwt;
    const claims = claimsOf(target) as { jti: string; exp: number };
    const stored = async (): Promise<number> => a.gatehouse.store.count('revoked-jtis');

    // Refused requests change nothing.
    const refusals: [string | undefined, unknown, number, string][] = [
      ['garbage-token', { jti: claims.jti, exp: claims.exp }, 401, 'invalid_token'],
      [undefined, { jti: claims.jti, exp: claims.exp }, 401, 'missing_credentials'],
      [adminKey, { token: 'not-a-jwt' }, 422, 'validation_failed'],
      [adminKey, { jti: claims.jti, exp: Math.floor(NOW / 1000) - 3600 }, 422, 'validation_failed'],
      [adminKey, { jti: claims.jti }, 422, 'validation_failed'],
      [adminKey, { jti: claims.jti, exp: claims.exp, token: target }, 422, 'validation_failed'],
      [adminKey, { token: unsignedJwt({ sub: 'uma', exp: claims.exp }) }, 422, 'validation_failed'],
      [adminKey, { token: unsignedJwt({ sub: 'uma', jti: 'abc' }) }, 422, 'validation_failed'],
    ];
    for (const [credential, body, status, code] of refusals) {
      const res = await call(a, 'POST', '/api/v1/jwt-revocations', credential, body);
      assertGatehouseError(res, status, code);
      assert.ok(!res.text.includes(target), 'the token is never echoed');
    }
    assertGatehouseError(
      await call(a, 'POST', '/api/v1/jwt-revocations', bystander, { jti: claims.jti, exp: claims.exp }),
      403,
      'forbidden',
    );
    assert.equal(await stored(), 0, 'nothing was revoked');
    await assertReached(b.url, '/open/x', target, upstream, 'uma');

    const res = await asAdmin('POST', '/api/v1/jwt-revocations', { jti: claims.jti, exp: claims.exp });
    assert.equal(res.status, 201, res.text);
    const until = claims.exp * 1000 + 600_000;
    assert.deepEqual(res.json(), { jti: claims.jti, revokedUntil: new Date(until).toISOString() });
    assert.equal((await a.gatehouse.store.get('revoked-jtis', claims.jti))?.expiresAt, until);
    await assertRefused(a.url, '/open/x', target, upstream, 401, 'invalid_token');
    await waitFor(
      async () => (await send(b.url, '/open/x', { headers: bearer(target) })).status === 401,
      'B applied the jti revocation',
    );
    late = await startGatehouse(config, { clock });
    for (const gh of [a, b, late]) {
      await assertRefused(gh.url, '/open/x', target, upstream, 401, 'invalid_token');
      await assertRefused(gh.url, '/strict/x', target, upstream, 401, 'invalid_token');
      assertGatehouseError(
        await send(gh.adminUrl, '/api/v1/services', { headers: bearer(target) }),
        401,
        'invalid_token',
      );
      assertGatehouseError(
        await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(target) }),
        401,
        'invalid_token',
      );
      await assertReached(gh.url, '/open/x', bystander, upstream, 'uma');
    }
    const [record] = await auditOf('user.tokens.revoke');
    assert.deepEqual(record?.target, { type: 'jwt', id: claims.jti });
    assert.equal(record?.outcome, 'success');

    // The token itself works as input too (decoded, not trusted); it is never echoed.
    const byToken = await call(b, 'POST', '/api/v1/jwt-revocations', rootJwt, { token: bystander });
    assert.equal(byToken.status, 201, byToken.text);
    assert.ok(!byToken.text.includes(bystander));
    for (const gh of [b, a])
      await waitFor(
        async () => (await send(gh.url, '/open/x', { headers: bearer(bystander) })).status === 401,
        'the second revocation applied',
      );
    await assertRefused(a.url, '/open/x', bystander, upstream, 401, 'invalid_token');

    // Until exp (plus clock tolerance): then the token is refused as expired and the record is gone.
    clock.set(until + 1);
    assert.equal(await a.gatehouse.store.get('revoked-jtis', claims.jti), undefined, 'pruned with its exp');
    await assertRefused(a.url, '/open/x', target, upstream, 401, 'invalid_token');
  });
});

/** A JWT-shaped string with these claims and no valid signature (the endpoint only decodes). */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('sig').toString('base64url')}`;
}
