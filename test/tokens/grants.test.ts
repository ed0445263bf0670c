/**
 * The password grant through real HTTP: the answer and the JWT's claims, the `gatehouse`
 * method on data-plane deployments (scopes with wildcards), /users/me, and bad input:
 * wrong password vs unknown user (same answer, both pay scrypt), disabled users,
 * malformed bodies, truncated and expired JWTs, a JWT of another Gatehouse instance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  assertReached,
  assertRefused,
  bearer,
  claimsOf,
  login,
  postJson,
  putUsers,
  tokenConfig,
} from './support.js';

const NOW = Date.UTC(2026, 0, 15, 9, 0, 0);
const GROUPS = [
  { id: 'analysts', scopes: ['results:read', 'cluster:*'] },
  { id: 'viewers', scopes: ['dashboards:view'] },
];

describe('password grant and the gatehouse method', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const clock = new ManualClock(NOW);

  before(async () => {
    upstream = await startUpstream('api');
    const config = tokenConfig(upstream.url, { bruteForce: { perAddress: { maxAttempts: 1000 } } });
    config.groups = GROUPS;
    (config.deployments as object[]).push({
      id: 'other',
      service: 'svc',
      version: 'v1',
      infrastructure: 'infra',
      basePath: '/other',
      auth: { methods: ['gatehouse'], require: { scopes: ['other:read'] } },
    });
    gh = await startGatehouse(config, { clock });
    await putUsers(gh.gatehouse, [
      { id: 'alice', password: 'alice-password', groups: ['analysts', 'viewers'] },
      { id: 'bob', password: 'bob-password' },
      { id: 'carol', password: 'carol-password', disabled: true },
      { id: 'idp-user', groups: ['viewers'] },
    ]);
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('answers {jwt, duration, token_type, refresh_token, client_id} with exactly the listed claims', async () => {
    const answer = await login(gh.adminUrl, 'alice', 'alice-password', {
      issueRefreshToken: true,
      clientId: 'cli',
    });
    assert.deepEqual(Object.keys(answer).sort(), [
      'client_id',
      'duration',
      'jwt',
      'refresh_expires_at',
      'refresh_token',
      'refresh_token_expires_in',
      'token_type',
    ]);
    assert.equal(answer.duration, 300);
    const extra = answer as unknown as Record<string, unknown>;
    assert.equal(extra.refresh_token_expires_in, 30 * 86_400, 'the default 30-day chain');
    assert.equal(extra.refresh_expires_at, new Date(NOW + 30 * 86_400_000).toISOString());
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.client_id, 'cli');
    assert.match(answer.refresh_token ?? '', /^ghr_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const claims = claimsOf(answer.jwt);
    assert.deepEqual(Object.keys(claims).sort(), [
      'aud',
      'exp',
      'groups',
      'iat',
      'iss',
      'jti',
      'preferred_username',
      'scope',
      'sid',
      'sub',
    ]);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.preferred_username, 'alice');
    assert.deepEqual(claims.groups, ['analysts', 'viewers']);
    assert.equal(claims.scope, 'results:read cluster:* dashboards:view');
    assert.equal(claims.iss, 'gatehouse');
    assert.equal(claims.aud, 'gatehouse');
    assert.equal(claims.iat, NOW / 1000);
    assert.equal(claims.exp, NOW / 1000 + 300);
    assert.equal(typeof claims.jti, 'string');
    assert.equal(typeof claims.sid, 'string');

    const plain = await login(gh.adminUrl, 'alice', 'alice-password');
    assert.equal(plain.refresh_token, undefined);
    assert.equal((plain as unknown as Record<string, unknown>).refresh_token_expires_in, undefined);
    assert.match(plain.client_id, /^[0-9a-f-]{36}$/, 'a client id is generated when none is given');
    assert.equal(claimsOf(plain.jwt).sid, undefined, 'no session without a refresh token');
    assert.notEqual(claimsOf(plain.jwt).jti, claims.jti);
  });

  it('lets the JWT through deployments listing gatehouse, scopes checked with wildcards', async () => {
    const { jwt } = await login(gh.adminUrl, 'alice', 'alice-password');
    await assertReached(gh.url, '/open/x', jwt, upstream, 'alice');
    assert.equal(
      upstream.requests.at(-1)?.headers['x-auth-scopes'],
      'results:read,cluster:*,dashboards:view',
    );
    assert.equal(upstream.requests.at(-1)?.headers['x-auth-groups'], 'analysts,viewers');
    await assertReached(gh.url, '/reader/x', jwt, upstream, 'alice');
    await assertReached(gh.url, '/writer/x', jwt, upstream, 'alice'); // cluster:write through cluster:*
    await assertRefused(gh.url, '/other/x', jwt, upstream, 403, 'insufficient_scope');
    const bob = await login(gh.adminUrl, 'bob', 'bob-password');
    await assertReached(gh.url, '/open/x', bob.jwt, upstream, 'bob');
    await assertRefused(gh.url, '/reader/x', bob.jwt, upstream, 403, 'insufficient_scope');
    await assertRefused(gh.url, '/open/x', undefined, upstream, 401, 'missing_credentials');
  });

  it('/api/v1/users/me describes the token', async () => {
    const { jwt } = await login(gh.adminUrl, 'alice', 'alice-password');
    const res = await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(jwt) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), {
      username: 'alice',
      groups: ['analysts', 'viewers'],
      scopes: ['results:read', 'cluster:*', 'dashboards:view'],
      tokenType: 'jwt',
      expiresAt: new Date(NOW + 300_000).toISOString(),
    });
    assertGatehouseError(await send(gh.adminUrl, '/api/v1/users/me'), 401, 'missing_credentials');
    const garbage = await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer('not-a-token') });
    assertGatehouseError(garbage, 401, 'invalid_token');
  });

  it('answers a wrong password, an unknown user, a disabled user and a password-less user alike', async () => {
    const attempts = [
      { username: 'alice', password: 'wrong-password' },
      { username: 'nobody', password: 'alice-password' },
      { username: 'carol', password: 'carol-password' },
      { username: 'idp-user', password: 'anything' },
    ];
    const bodies: unknown[] = [];
    for (const attempt of attempts) {
      const res = await postJson(gh.adminUrl, '/api/v1/auth/tokens', { grant_type: 'password', ...attempt });
      assertGatehouseError(res, 401, 'invalid_token');
      assert.match(
        String(res.headers['www-authenticate']),
        /^Bearer realm="gatehouse", error="invalid_token"/,
      );
      const { requestId: _ignored, ...body } = res.json();
      bodies.push(body);
      assert.ok(!res.text.includes(attempt.password));
    }
    for (const body of bodies) assert.deepEqual(body, bodies[0]);
  });

  it('spends the same scrypt work on an unknown user as on a wrong password', async () => {
    const timed = async (username: string): Promise<number> => {
      const start = process.hrtime.bigint();
      const res = await postJson(gh.adminUrl, '/api/v1/auth/tokens', {
        grant_type: 'password',
        username,
        password: 'definitely-wrong',
      });
      assert.equal(res.status, 401);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await timed('bob'));
      unknown.push(await timed(`ghost-${i}`));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[2] as number;
    // Without scrypt the unknown-user path would answer in ~1 ms against tens of ms:
    // a generous bound that only fails when one path skips the hash.
    assert.ok(
      median(unknown) > median(known) / 3,
      `unknown ${median(unknown)} ms vs known ${median(known)} ms`,
    );
    assert.ok(
      median(known) > median(unknown) / 3,
      `known ${median(known)} ms vs unknown ${median(unknown)} ms`,
    );
  });

  it('refuses malformed request bodies', async () => {
    const cases: [unknown, number, string][] = [
      [{ grant_type: 'client_credentials' }, 422, 'validation_failed'],
      [{ grant_type: 'password', username: 'alice' }, 422, 'validation_failed'],
      [{ grant_type: 'password', username: 'alice', password: 'x', extra: 1 }, 422, 'validation_failed'],
      [
        { grant_type: 'password', username: 'a', password: 'b', refreshTokenLifetime: 5 },
        422,
        'validation_failed',
      ],
      [{ grant_type: 'refresh_token' }, 422, 'validation_failed'],
    ];
    for (const [body, status, code] of cases)
      assertGatehouseError(await postJson(gh.adminUrl, '/api/v1/auth/tokens', body), status, code);
    const text = await send(gh.adminUrl, '/api/v1/auth/tokens', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'grant_type=password',
    });
    assertGatehouseError(text, 415, 'unsupported_media_type');
    const broken = await send(gh.adminUrl, '/api/v1/auth/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    });
    assertGatehouseError(broken, 400, 'bad_request');
  });

  it('refuses truncated, tampered and expired JWTs on the data plane', async () => {
    const { jwt } = await login(gh.adminUrl, 'alice', 'alice-password');
    await assertRefused(gh.url, '/open/x', jwt.slice(0, -5), upstream, 401, 'invalid_token');
    await assertRefused(
      gh.url,
      '/open/x',
      jwt.slice(0, jwt.lastIndexOf('.')),
      upstream,
      401,
      'invalid_token',
    );
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...claimsOf(jwt), scope: 'other:read' })).toString(
      'base64url',
    );
    await assertRefused(
      gh.url,
      '/other/x',
      `${header}.${forged}.${signature}`,
      upstream,
      401,
      'invalid_token',
    );
    assert.notEqual(payload, forged);
    await assertReached(gh.url, '/open/x', jwt, upstream, 'alice');
    clock.advance((300 + 30 + 1) * 1000); // lifetime + clock tolerance
    try {
      await assertRefused(gh.url, '/open/x', jwt, upstream, 401, 'invalid_token');
      assertGatehouseError(
        await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(jwt) }),
        401,
        'invalid_token',
      );
    } finally {
      clock.set(NOW);
    }
  });

  it('refuses a JWT signed by another Gatehouse instance', async () => {
    const other = await startGatehouse(tokenConfig(upstream.url, { signing: undefined }), { clock });
    try {
      await putUsers(other.gatehouse, [{ id: 'alice', password: 'alice-password', groups: ['analysts'] }]);
      const foreign = await login(other.adminUrl, 'alice', 'alice-password');
      assert.equal(claimsOf(foreign.jwt).iss, 'gatehouse', 'same issuer and audience, different key');
      await assertRefused(gh.url, '/open/x', foreign.jwt, upstream, 401, 'invalid_token');
      const me = await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(foreign.jwt) });
      assertGatehouseError(me, 401, 'invalid_token');
      assert.ok(
        other.log.lines.some((l) => String(l.msg).includes('tokens.signing is not configured')),
        'the random development key is announced loudly',
      );
    } finally {
      await other.stop();
    }
  });
});
