/**
 * Personal API tokens through real HTTP: create (shown once, `ghp_` prefix), list (name,
 * creation, expiry, last use), use on the data plane as the user with at most the user's
 * scopes, delete (refused at once), expiry with an injected clock; implicit login
 * disabled; disabled users; tokens cannot manage tokens.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { hashApiKey } from '../../src/auth/api-key-hash.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { COLLECTIONS } from '../../src/control/model.js';
import { extractCredentials } from '../../src/auth/credentials.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  assertReached,
  assertRefused,
  bearer,
  createPersonalToken,
  login,
  postJson,
  putSettings,
  putUsers,
  tokenConfig,
} from './support.js';

const NOW = Date.UTC(2026, 5, 1, 8, 0, 0);
const DAY = 86_400_000;
const inDays = (days: number): string => new Date(NOW + days * DAY).toISOString();

interface ListedToken {
  id: string;
  name: string;
  prefix: string;
  scopes?: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
}

describe('personal API tokens', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const clock = new ManualClock(NOW);
  let jwt = '';

  const list = async (token = jwt): Promise<ListedToken[]> => {
    const res = await send(gh.adminUrl, '/api/v1/tokens', { headers: bearer(token) });
    assert.equal(res.status, 200, res.text);
    return res.json<{ tokens: ListedToken[] }>().tokens;
  };
  const remove = (id: string, token = jwt) =>
    send(gh.adminUrl, `/api/v1/tokens/${id}`, { method: 'DELETE', headers: bearer(token) });

  before(async () => {
    upstream = await startUpstream('api');
    const config = tokenConfig(upstream.url, { personalTokens: { maxLifetimeSec: 400 * 86_400 } });
    config.groups = [{ id: 'analysts', scopes: ['results:read', 'cluster:*'] }];
    gh = await startGatehouse(config, { clock });
    await putUsers(gh.gatehouse, [
      { id: 'alice', password: 'alice-pw', groups: ['analysts'] },
      { id: 'bob', password: 'bob-pw' },
    ]);
    jwt = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
  });
  beforeEach(() => clock.set(NOW));
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('create → list → use → delete', async () => {
    const created = await createPersonalToken(gh.adminUrl, jwt, { name: 'ci', expiresAt: inDays(30) });
    assert.match(created.token, /^ghp_[A-Za-z0-9_-]{43}$/);
    const listed = (await list()).find((t) => t.id === created.id);
    assert.deepEqual(listed, {
      id: created.id,
      name: 'ci',
      prefix: created.token.slice(0, 10),
      createdAt: new Date(NOW).toISOString(),
      expiresAt: inDays(30),
      lastUsedAt: null,
    });
    assert.ok(!JSON.stringify(await list()).includes(created.token), 'the token is shown once only');

    await assertReached(gh.url, '/reader/x', created.token, upstream, 'alice');
    await assertReached(gh.url, '/writer/x', created.token, upstream, 'alice');
    assert.equal(upstream.requests.at(-1)?.headers['x-auth-scopes'], 'results:read,cluster:*');
    assert.equal((await list()).find((t) => t.id === created.id)?.lastUsedAt, new Date(NOW).toISOString());

    const me = await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(created.token) });
    assert.deepEqual(me.json(), {
      username: 'alice',
      groups: ['analysts'],
      scopes: ['results:read', 'cluster:*'],
      tokenType: 'personal',
      expiresAt: inDays(30),
    });

    assert.equal((await remove(created.id)).status, 204);
    await assertRefused(gh.url, '/reader/x', created.token, upstream, 401, 'invalid_token');
    assert.equal(
      (await list()).find((t) => t.id === created.id),
      undefined,
    );
    assertGatehouseError(await remove(created.id), 404, 'not_found');
    const audit = await gh.gatehouse.store.queryAudit({ targetId: created.id }, { limit: 10 });
    assert.deepEqual(audit.items.map((r) => r.action).reverse(), [
      'personal_token.create',
      'personal_token.delete',
    ]);
    assert.ok(!JSON.stringify(audit.items).includes(created.token));
  });

  it('a token holds at most its user’s scopes: more is refused (422), fewer restricts it', async () => {
    const tooMuch = await postJson(
      gh.adminUrl,
      '/api/v1/tokens',
      { name: 'x', expiresAt: inDays(1), scopes: ['results:read', 'admin:*'] },
      bearer(jwt),
    );
    assertGatehouseError(tooMuch, 422, 'validation_failed');
    assert.match(tooMuch.json<{ message: string }>().message, /admin:\*/);
    const narrow = await createPersonalToken(gh.adminUrl, jwt, {
      name: 'read-only',
      expiresAt: inDays(1),
      scopes: ['results:read', 'cluster:write'],
    });
    await assertReached(gh.url, '/reader/x', narrow.token, upstream, 'alice');
    await assertReached(gh.url, '/writer/x', narrow.token, upstream, 'alice');
    assert.equal(upstream.requests.at(-1)?.headers['x-auth-scopes'], 'results:read,cluster:write');
    const readerOnly = await createPersonalToken(gh.adminUrl, jwt, {
      name: 'reader',
      expiresAt: inDays(1),
      scopes: ['results:read'],
    });
    await assertRefused(gh.url, '/writer/x', readerOnly.token, upstream, 403, 'insufficient_scope');
  });

  it('refuses expired tokens at once, and bad expiries at creation', async () => {
    const token = await createPersonalToken(gh.adminUrl, jwt, { name: 'short', expiresAt: inDays(2) });
    await assertReached(gh.url, '/open/x', token.token, upstream, 'alice');
    clock.advance(2 * DAY);
    await assertRefused(gh.url, '/open/x', token.token, upstream, 401, 'invalid_token');
    clock.set(NOW);
    for (const body of [
      { name: 'past', expiresAt: new Date(NOW - 1000).toISOString() },
      { name: 'far', expiresAt: inDays(401) },
      { name: 'not-a-date', expiresAt: 'tomorrow' },
      { name: '', expiresAt: inDays(1) },
      { expiresAt: inDays(1) },
    ])
      assertGatehouseError(
        await postJson(gh.adminUrl, '/api/v1/tokens', body, bearer(jwt)),
        422,
        'validation_failed',
      );
  });

  it('refuses truncated and unknown personal tokens; other users cannot delete mine', async () => {
    const token = await createPersonalToken(gh.adminUrl, jwt, { name: 'mine', expiresAt: inDays(1) });
    await assertRefused(gh.url, '/open/x', token.token.slice(0, -3), upstream, 401, 'invalid_token');
    await assertRefused(gh.url, '/open/x', `ghp_${'A'.repeat(43)}`, upstream, 401, 'invalid_token');
    const bob = (await login(gh.adminUrl, 'bob', 'bob-pw')).jwt;
    assertGatehouseError(await remove(token.id, bob), 404, 'not_found');
    assertGatehouseError(await remove('%00'), 404, 'not_found');
    assertGatehouseError(await remove(token.id.slice(0, -1)), 404, 'not_found');
    assert.ok(!(await list(bob)).some((t) => t.id === token.id));
    await assertReached(gh.url, '/open/x', token.token, upstream, 'alice');
  });

  it('personal tokens cannot manage personal tokens; admin keys are not users', async () => {
    const token = await createPersonalToken(gh.adminUrl, jwt, { name: 'p', expiresAt: inDays(1) });
    assertGatehouseError(
      await send(gh.adminUrl, '/api/v1/tokens', { headers: bearer(token.token) }),
      403,
      'forbidden',
    );
    const create = await postJson(
      gh.adminUrl,
      '/api/v1/tokens',
      { name: 'q', expiresAt: inDays(1) },
      bearer(token.token),
    );
    assertGatehouseError(create, 403, 'forbidden');
    assertGatehouseError(await remove(token.id, token.token), 403, 'forbidden');
    assertGatehouseError(await send(gh.adminUrl, '/api/v1/tokens'), 401, 'missing_credentials');
    const adminKey = 'gha_testAdminKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const hash = hashApiKey(adminKey);
    await gh.gatehouse.store.transact([
      {
        op: 'put',
        collection: COLLECTIONS.adminKeys,
        id: 'ops',
        value: { id: 'ops', prefix: 'gha_test', hash, createdAt: 1 },
      },
      { op: 'put', collection: COLLECTIONS.adminKeyDigests, id: hash.slice('sha256:'.length), value: 'ops' },
    ]);
    assertGatehouseError(
      await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(adminKey) }),
      403,
      'forbidden',
    );
    assertGatehouseError(
      await send(gh.adminUrl, '/api/v1/tokens', { headers: bearer(adminKey) }),
      403,
      'forbidden',
    );
  });

  it('implicit login disabled: login tokens only manage tokens; personal tokens work everywhere', async () => {
    const adminAuth = (): Authenticator =>
      gh.gatehouse.plans.current?.adminAuthenticators[0] as Authenticator;
    const onAdminApi = async (token: string): Promise<string> => {
      const credentials = extractCredentials(['Authorization', `Bearer ${token}`], undefined);
      return (await adminAuth().authenticate(credentials, undefined as never)).outcome;
    };
    await putSettings(gh.gatehouse, { implicitLogin: false });
    try {
      const login2 = await login(gh.adminUrl, 'alice', 'alice-pw');
      await assertRefused(gh.url, '/open/x', login2.jwt, upstream, 401, 'invalid_token');
      assert.equal(await onAdminApi(login2.jwt), 'rejected', 'the rest of the admin API refuses it');
      const me = await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(login2.jwt) });
      assert.equal(me.status, 200, me.text);
      const page = await send(gh.adminUrl, '/manage_tokens');
      assert.equal(page.status, 200);
      const personal = await createPersonalToken(gh.adminUrl, login2.jwt, {
        name: 'svc',
        expiresAt: inDays(1),
      });
      assert.ok((await list(login2.jwt)).some((t) => t.id === personal.id));
      await assertReached(gh.url, '/reader/x', personal.token, upstream, 'alice');
      assert.equal(await onAdminApi(personal.token), 'authenticated');
    } finally {
      await putSettings(gh.gatehouse, { implicitLogin: true });
    }
    await assertReached(gh.url, '/open/x', jwt, upstream, 'alice');
    assert.equal(await onAdminApi(jwt), 'authenticated');
  });

  it('a disabled user’s tokens stop at once and stay dead after re-enabling', async () => {
    await putUsers(gh.gatehouse, [{ id: 'erin', password: 'erin-pw' }]);
    const erin = (await login(gh.adminUrl, 'erin', 'erin-pw')).jwt;
    const token = await createPersonalToken(gh.adminUrl, erin, { name: 'e', expiresAt: inDays(1) });
    await assertReached(gh.url, '/open/x', token.token, upstream, 'erin');
    const disabledAt = clock.now();
    await putUsers(gh.gatehouse, [{ id: 'erin', password: 'erin-pw', disabled: true, disabledAt }]);
    await assertRefused(gh.url, '/open/x', token.token, upstream, 401, 'invalid_token');
    await assertRefused(gh.url, '/open/x', erin, upstream, 401, 'invalid_token');
    assertGatehouseError(
      await postJson(gh.adminUrl, '/api/v1/auth/tokens', {
        grant_type: 'password',
        username: 'erin',
        password: 'erin-pw',
      }),
      401,
      'invalid_token',
    );
    clock.advance(1000);
    await putUsers(gh.gatehouse, [{ id: 'erin', password: 'erin-pw', disabledAt }]);
    await assertRefused(gh.url, '/open/x', token.token, upstream, 401, 'invalid_token');
    await assertRefused(gh.url, '/open/x', erin, upstream, 401, 'invalid_token');
    const again = (await login(gh.adminUrl, 'erin', 'erin-pw')).jwt;
    const fresh = await createPersonalToken(gh.adminUrl, again, { name: 'e2', expiresAt: inDays(1) });
    await assertReached(gh.url, '/open/x', fresh.token, upstream, 'erin');
    // A user deleted and created again under the same id does not inherit old tokens.
    await putUsers(gh.gatehouse, [{ id: 'erin', password: 'erin-pw', createdAt: 2 }]);
    await assertRefused(gh.url, '/open/x', fresh.token, upstream, 401, 'invalid_token');
  });
});
