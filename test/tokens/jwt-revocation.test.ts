/**
 * Revoking a JWT by `jti` through the admin API (PRODUCT.md section 3, issue #8), on two
 * Gatehouse replicas sharing one SQLite file plus one started later, with an injected
 * clock: given as {jti, exp} or as the token itself (decoded, never echoed), it is
 * refused on every replica on the data plane (upstream not reached), the admin API and
 * the token endpoints, until its `exp`. Only global admins may; bad input stores nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startReplicas, type Replicas } from './replicas.js';
import { assertReached, assertRefused, bearer, claimsOf, login } from './support.js';

const NOW = Date.UTC(2026, 5, 1, 10, 0, 0);

describe('JWT revocation by jti', () => {
  let c: Replicas;
  let a: TestGatehouse;
  let b: TestGatehouse;
  let upstream: TestUpstream;
  let adminKey = '';
  let rootJwt = '';

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
    c = await startReplicas(NOW, {}, { groups: [{ id: 'admins', global: ['admin'] }] });
    ({ a, b, upstream, adminKey } = c);
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
  after(() => c?.stop());

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
    const late = await c.startAnother();
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
    c.clock.set(until + 1);
    assert.equal(await a.gatehouse.store.get('revoked-jtis', claims.jti), undefined, 'pruned with its exp');
    await assertRefused(a.url, '/open/x', target, upstream, 401, 'invalid_token');
  });
});

/** A JWT-shaped string with these claims and no valid signature (the endpoint only decodes). */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('sig').toString('base64url')}`;
}
