/**
 * The token service's admin endpoints for other users' tokens (issue #8), on two
 * Gatehouse replicas sharing one SQLite file: a global admin lists and revokes another
 * user's refresh tokens and personal tokens; the user herself, anonymous callers and
 * unknown users are refused, and nothing changes. (Revoking a JWT by jti:
 * jwt-revocation.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startReplicas, type Replicas } from './replicas.js';
import {
  assertReached,
  assertRefused,
  bearer,
  claimsOf,
  createPersonalToken,
  login,
  refresh,
} from './support.js';

const NOW = Date.UTC(2026, 5, 1, 10, 0, 0);
const inDays = (days: number): string => new Date(NOW + days * 86_400_000).toISOString();

describe("token administration: other users' refresh and personal tokens", () => {
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
    // Replica B learns of tokens created on A through the store's notifications (eventually).
    await waitFor(
      async () => (await call(b, 'GET', '/api/v1/users/vic/tokens', rootJwt)).text.includes('second'),
      'B lists both tokens',
    );
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
});
