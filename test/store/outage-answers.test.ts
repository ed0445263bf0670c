/**
 * Issue #9 §2 and issue #8: while Redis is down (the test's private redis-server is
 * killed), every token-service endpoint that needs the store and a sample of admin API
 * endpoints (admin key and user token callers) answer 503 `unavailable` as JSON with
 * `Retry-After` — never 500, never a hang — and the endpoints that do not need the store
 * keep answering. Once Redis is back, the same calls work again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startAdminTest, type AdminTest } from '../control/api/support.js';
import { bearer, createPersonalToken, login, putUsers, tokenConfig } from '../tokens/support.js';

/** A request still unanswered after this long is a hang (ioredis's offline queue), not an answer. */
const HANG_MS = 15_000;

interface Call {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

async function call(baseUrl: string, c: Call): Promise<SimpleResponse> {
  const headers: Record<string, string> = { ...c.headers };
  if (c.body !== undefined) headers['content-type'] = 'application/json';
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${c.name}: no answer within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([
      send(baseUrl, c.path, {
        method: c.method,
        headers,
        ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
      }),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('answers while the Redis store is down', () => {
  let redis: TestRedisServer;
  let upstream: TestUpstream;
  let t: AdminTest;
  let storeCalls: Call[] = [];
  let freeCalls: Call[] = [];

  before(async () => {
    redis = await startRedisServer();
    upstream = await startUpstream('api');
    t = await startAdminTest({
      ...tokenConfig(upstream.url),
      groups: [{ id: 'ops', global: ['admin'] }],
      store: { type: 'redis', redis: { url: redis.url, commandTimeoutMs: 1000 } },
    });
    const holder = { store: t.store, state: t.gh.gatehouse.state };
    await putUsers(holder, [{ id: 'alice', password: 'alice-password-1', groups: [] }]);
    const session = await login(t.gh.adminUrl, 'alice', 'alice-password-1', { issueRefreshToken: true });
    const personal = await createPersonalToken(t.gh.adminUrl, session.jwt, {
      name: 'ci',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const ops = await t.token('operator', ['ops']);
    const user = bearer(session.jwt);
    const admin = bearer(t.adminKey);
    storeCalls = [
      {
        name: 'password grant',
        method: 'POST',
        path: '/api/v1/auth/tokens',
        body: { grant_type: 'password', username: 'alice', password: 'alice-password-1' },
      },
      {
        name: 'refresh grant',
        method: 'POST',
        path: '/api/v1/auth/tokens',
        body: { grant_type: 'refresh_token', refresh_token: session.refresh_token },
      },
      {
        name: 'revoke',
        method: 'POST',
        path: '/api/v1/auth/revoke',
        body: { refresh_token: session.refresh_token },
      },
      { name: 'list personal tokens', method: 'GET', path: '/api/v1/tokens', headers: user },
      {
        name: 'create a personal token',
        method: 'POST',
        path: '/api/v1/tokens',
        headers: user,
        body: { name: 'x', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      },
      {
        name: 'delete a personal token',
        method: 'DELETE',
        path: `/api/v1/tokens/${personal.id}`,
        headers: user,
      },
      { name: 'whoami', method: 'GET', path: '/api/v1/users/me', headers: user },
      {
        name: 'admin key: list infrastructures',
        method: 'GET',
        path: '/api/v1/infrastructures',
        headers: admin,
      },
      {
        name: 'admin key: create a service',
        method: 'POST',
        path: '/api/v1/services',
        headers: admin,
        body: { id: 's1' },
      },
      {
        name: 'admin key: delete an API key',
        method: 'DELETE',
        path: '/api/v1/deployments/open/api-keys/key-0',
        headers: admin,
      },
      { name: 'user token: list services', method: 'GET', path: '/api/v1/services', headers: bearer(ops) },
      {
        name: 'user token: create a service',
        method: 'POST',
        path: '/api/v1/services',
        headers: bearer(ops),
        body: { id: 's2' },
      },
      { name: 'user token: read the audit log', method: 'GET', path: '/api/v1/audit', headers: bearer(ops) },
    ];
    freeCalls = [
      { name: 'JWKS', method: 'GET', path: '/.well-known/jwks.json' },
      { name: 'token page', method: 'GET', path: '/manage_tokens' },
    ];
  });
  after(async () => {
    await t?.stop();
    await upstream?.close();
    await redis?.stop();
  });

  it('answers 503 unavailable with Retry-After, never 500 and never a hang', async () => {
    await redis.kill9();
    let slowest = 0;
    for (const c of storeCalls) {
      const started = Date.now();
      const res = await call(t.gh.adminUrl, c);
      slowest = Math.max(slowest, Date.now() - started);
      assert.notEqual(res.status, 500, `${c.name}: ${res.text}`);
      assertGatehouseError(res, 503, 'unavailable');
      assert.ok(Number(res.headers['retry-after']) > 0, `${c.name}: Retry-After`);
      assert.match(res.json<{ message: string }>().message, /store/, c.name);
    }
    console.log(`# slowest 503 during the outage: ${slowest} ms (commandTimeoutMs 1000)`);
    for (const c of freeCalls) {
      const res = await call(t.gh.adminUrl, c);
      assert.equal(res.status, 200, `${c.name} does not need the store: ${res.text}`);
    }
  });

  it('works again once Redis is back', async () => {
    await redis.restart();
    const whoami = storeCalls.find((c) => c.name === 'whoami') as Call;
    await waitFor(async () => (await call(t.gh.adminUrl, whoami)).status === 200, 'whoami answers 200');
    const res = await send(t.gh.adminUrl, '/api/v1/infrastructures', { headers: bearer(t.adminKey) });
    assert.equal(res.status, 200, res.text);
  });
});
