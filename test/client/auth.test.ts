/**
 * The SDK against a real Gatehouse: refresh once on a 401 (and never loop), the
 * leeway, rotated refresh tokens written back (the CLI's file, a callback), the typed
 * error for each status, and which credential is used when several are given.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import {
  Auth,
  AuthenticationError,
  ConfigurationError,
  GatehouseClient,
  GatehouseError,
  login,
  PermissionError,
  RateLimitError,
  TokenExpiredError,
  type AuthOptions,
} from '../../src/client/index.js';
import { ManualClock } from '../../src/clock.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  createPersonalToken,
  login as grant,
  putGroups,
  putSettings,
  putUsers,
  tokenConfig,
} from '../tokens/support.js';
import { auditCount } from './support.js';

describe('SDK against a real Gatehouse', () => {
  const clock = new ManualClock(Date.now());
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let dir: string;
  let n = 0;

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(tokenConfig(upstream.url, { bruteForce: { perUser: { maxAttempts: 3 } } }), {
      clock,
    });
    await putGroups(gh.gatehouse, [{ id: 'analysts', scopes: ['results:read'] }]);
    await putUsers(gh.gatehouse, [
      { id: 'alice', password: 'alice-pw', groups: ['analysts'] },
      { id: 'mallory', password: 'mallory-pw' },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-sdk-'));
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Options isolated from the machine: no environment, files in the test's folder. */
  const isolated = (more: AuthOptions = {}): AuthOptions => {
    n++;
    return {
      env: {},
      configFile: join(dir, `config-${n}.yaml`),
      tokenInfoPath: join(dir, `token_info-${n}.json`),
      ...more,
    };
  };

  const chain = async (
    clientId: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ refreshToken: string; clientId: string }> => {
    const answer = await grant(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      clientId,
      ...extra,
    });
    return { refreshToken: answer.refresh_token as string, clientId };
  };

  it('refreshes once on a 401 invalid_token and repeats the request', async () => {
    const { refreshToken, clientId } = await chain('sdk-401');
    const options = isolated({ url: gh.adminUrl, refreshToken, clientId });
    const first = new GatehouseClient(options);
    assert.equal((await first.me()).username, 'alice');
    await first.close();
    // Another key signed the cached JWT (e.g. the server's keys changed): the server refuses it.
    const info = JSON.parse(readFileSync(options.tokenInfoPath as string, 'utf8')) as {
      tokens: Record<string, { jwt: string }>;
    };
    const [key, entry] = Object.entries(info.tokens)[0] ?? [];
    assert.ok(key && entry);
    const [h, p] = entry.jwt.split('.');
    entry.jwt = `${h}.${p}.${'A'.repeat(43)}`;
    writeFileSync(options.tokenInfoPath as string, JSON.stringify(info));

    const refreshes = await auditCount(gh.gatehouse, 'token.refresh');
    const reached = upstream.requests.length;
    const client = new GatehouseClient({ ...options, baseUrl: gh.url });
    const res = await client.fetch('/open/x');
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, reached + 1, 'reached once, with the fresh token');
    assert.equal(await auditCount(gh.gatehouse, 'token.refresh'), refreshes + 1, 'one refresh');
    const after = JSON.parse(readFileSync(options.tokenInfoPath as string, 'utf8')) as typeof info;
    assert.notEqual(after.tokens[key]?.jwt, entry.jwt, 'the shared file holds the fresh JWT');
    await client.close();

    // A static token cannot be refreshed: the 401 is answered as is, once.
    const fixed = new GatehouseClient({
      ...isolated({ url: gh.adminUrl, token: entry.jwt }),
      baseUrl: gh.url,
    });
    const refused = await fixed.fetch('/open/x');
    assert.equal(refused.status, 401);
    assert.equal(upstream.requests.length, reached + 1, 'the upstream was not reached');
    const err = await fixed.me().catch((e: unknown) => e);
    assert.ok(err instanceof AuthenticationError && !(err instanceof TokenExpiredError), String(err));
    assert.equal(err.error, 'invalid_token');
    assert.equal(typeof err.requestId, 'string');
    assert.ok(!err.message.includes(entry.jwt), 'the token is not in the message');
    await fixed.close();
  });

  it('refreshes before expiry with a leeway, never on every call', async () => {
    const { refreshToken, clientId } = await chain('sdk-leeway');
    const refreshes = await auditCount(gh.gatehouse, 'token.refresh');
    // 500 s of a 300 s JWT would mean "always refresh": the leeway is capped at half the lifetime.
    const auth = new Auth(isolated({ url: gh.adminUrl, refreshToken, clientId, leewaySec: 500 }));
    const a = await auth.getToken();
    const b = await auth.getToken();
    assert.equal(a, b);
    assert.equal(await auditCount(gh.gatehouse, 'token.refresh'), refreshes + 1);
    await auth.close();
  });

  it('writes a rotated refresh token back to the CLI file before using it', async () => {
    const options = isolated({});
    const saved = await login({
      url: gh.adminUrl,
      username: 'alice',
      password: 'alice-pw',
      configFile: options.configFile,
      tokenInfoPath: options.tokenInfoPath,
      env: {},
    });
    assert.equal(saved.previous, 'none');
    const file = (): Record<string, unknown> =>
      load(readFileSync(options.configFile as string, 'utf8')) as Record<string, unknown>;
    const before = file();
    const rotations = await auditCount(gh.gatehouse, 'refresh_token.rotate');
    const client = new GatehouseClient(options);
    assert.equal((await client.me()).username, 'alice');
    const afterwards = file();
    assert.match(String(afterwards.refreshToken), /^ghr_/);
    assert.notEqual(afterwards.refreshToken, before.refreshToken, 'rotated and written back');
    assert.equal(afterwards.clientId, before.clientId);
    assert.equal(afterwards.refreshExpiresAt, before.refreshExpiresAt, 'rotation keeps the end');
    assert.equal(statSync(options.configFile as string).mode & 0o777, 0o600);
    assert.equal(await auditCount(gh.gatehouse, 'refresh_token.rotate'), rotations + 1);
    await client.close();
  });

  it('hands a rotated refresh token to the callback, then uses the new one', async () => {
    const { refreshToken, clientId } = await chain('sdk-callback');
    const seen: string[] = [];
    const rotations = await auditCount(gh.gatehouse, 'refresh_token.rotate');
    const auth = new Auth(
      isolated({
        url: gh.adminUrl,
        refreshToken,
        clientId,
        onRefreshTokenRotated: (token) => {
          seen.push(token);
        },
      }),
    );
    const first = await auth.refresh();
    await auth.refresh(first.jwt); // as after a 401 for that JWT
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0], refreshToken);
    assert.notEqual(seen[1], seen[0]);
    assert.equal(
      await auditCount(gh.gatehouse, 'refresh_token.rotate'),
      rotations + 2,
      'each a plain rotation',
    );
    assert.equal(await auditCount(gh.gatehouse, 'refresh_token.grace_reissue'), 0, 'never the old one again');
    await auth.close();

    const fromEnv = new Auth({
      ...isolated({}),
      env: {
        GATEHOUSE_URL: gh.adminUrl,
        GATEHOUSE_REFRESH_TOKEN: refreshToken,
        GATEHOUSE_CLIENT_ID: clientId,
      },
      rotateRefreshToken: true,
    });
    await assert.rejects(fromEnv.getToken(), /GATEHOUSE_REFRESH_TOKEN cannot be written back/);
  });

  it('throws the typed error for each status, with the server code and request id', async () => {
    const jwt = (await grant(gh.adminUrl, 'alice', 'alice-pw')).jwt;
    const personal = await createPersonalToken(gh.adminUrl, jwt, {
      name: 'sdk',
      expiresAt: new Date(clock.now() + 86_400_000).toISOString(),
    });
    const withToken = new GatehouseClient(isolated({ url: gh.adminUrl, token: personal.token }));
    const forbidden = await withToken.listTokens().catch((e: unknown) => e);
    assert.ok(forbidden instanceof PermissionError, String(forbidden));
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.error, 'forbidden');
    assert.match(forbidden.message, /cannot manage personal tokens/);
    assert.equal(typeof forbidden.requestId, 'string');
    await withToken.close();

    const user = new GatehouseClient(isolated({ url: gh.adminUrl, username: 'alice', password: 'alice-pw' }));
    const missing = await user.deleteToken('nope').catch((e: unknown) => e);
    assert.ok(
      missing instanceof GatehouseError && !(missing instanceof AuthenticationError),
      String(missing),
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.error, 'not_found');
    const created = await user.createPersonalToken({
      name: 'typed',
      expiresAt: new Date(clock.now() + 3_600_000),
    });
    assert.ok((await user.listTokens()).some((t) => t.id === created.id));
    await user.deleteToken(created.id);
    await user.close();

    // A JWT past its exp, and a refresh-token chain past the lifetime cap: TokenExpiredError.
    const stale = (await grant(gh.adminUrl, 'alice', 'alice-pw')).jwt;
    const capped = await chain('sdk-expiring');
    await putSettings(gh.gatehouse, { implicitLogin: true, maximumRefreshTokenLifetimeSec: 60 });
    clock.advance(331_000);
    try {
      const late = new GatehouseClient(isolated({ url: gh.adminUrl, token: stale }));
      const expiredJwt = await late.me().catch((e: unknown) => e);
      assert.ok(expiredJwt instanceof TokenExpiredError, String(expiredJwt));
      assert.equal(expiredJwt.status, 401);
      assert.match(expiredJwt.message, /expired/);
      await late.close();
      const expiring = new GatehouseClient(isolated({ url: gh.adminUrl, ...capped }));
      const expired = await expiring.me().catch((e: unknown) => e);
      assert.ok(expired instanceof TokenExpiredError, String(expired));
      assert.equal(expired.status, 401);
      assert.equal(expired.error, 'invalid_token');
      assert.equal(expired.message, 'The refresh token has expired.');
      await expiring.close();
    } finally {
      clock.set(Date.now());
      await putSettings(gh.gatehouse, { implicitLogin: true });
    }

    const guessing = new GatehouseClient(
      isolated({ url: gh.adminUrl, username: 'mallory', password: 'guess' }),
    );
    const failures: unknown[] = [];
    for (let i = 0; i < 4; i++) failures.push(await guessing.me().catch((e: unknown) => e));
    assert.ok(failures.slice(0, 3).every((e) => e instanceof AuthenticationError));
    const limited = failures[3];
    assert.ok(limited instanceof RateLimitError, String(limited));
    assert.equal(limited.status, 429);
    assert.equal(limited.error, 'rate_limited');
    assert.ok(
      typeof limited.retryAfter === 'number' && limited.retryAfter > 0,
      `retryAfter ${limited.retryAfter}`,
    );
    await guessing.close();
  });

  it('takes arguments, then the environment, then the saved login; conflicts name the inputs', async () => {
    const options = isolated({});
    await login({
      url: gh.adminUrl,
      username: 'alice',
      password: 'alice-pw',
      configFile: options.configFile,
      env: {},
      tokenInfoPath: options.tokenInfoPath,
    });
    const from = async (o: AuthOptions): Promise<string> => {
      const r = await new Auth(o).resolved();
      return r.credential.kind === 'static'
        ? `static:${r.credential.from}`
        : `${r.credential.kind}:${'from' in r.credential ? r.credential.from : ''}`;
    };
    const env = { GATEHOUSE_TOKEN: 'ghp_env' };
    assert.equal(await from({ ...options }), 'refresh:saved-login');
    assert.equal(await from({ ...options, env }), 'static:GATEHOUSE_TOKEN');
    assert.equal(await from({ ...options, env, token: 'ghp_arg' }), 'static:the token argument');
    assert.equal(
      (await new Auth({ ...options, env: { GATEHOUSE_URL: 'http://env.example' }, token: 't' }).resolved())
        .url,
      'http://env.example',
    );

    const conflicts: [AuthOptions, RegExp][] = [
      [
        { token: 'a', refreshToken: 'b' },
        /conflicting credentials given as arguments: token and refreshToken/,
      ],
      [{ token: 'a', username: 'u', password: 'p' }, /token and username\/password/],
      [{ username: 'u' }, /username and password go together/],
      [{ clientId: 'c' }, /clientId was given without refreshToken/],
      [
        { env: { GATEHOUSE_TOKEN: 'a', GATEHOUSE_REFRESH_TOKEN: 'b' } },
        /GATEHOUSE_TOKEN and GATEHOUSE_REFRESH_TOKEN are both set/,
      ],
      [
        { env: { GATEHOUSE_REFRESH_TOKEN: 'b' } },
        /GATEHOUSE_REFRESH_TOKEN is set without GATEHOUSE_CLIENT_ID/,
      ],
      [{ env: { GATEHOUSE_CLIENT_ID: 'c' } }, /GATEHOUSE_CLIENT_ID is set without GATEHOUSE_REFRESH_TOKEN/],
      [
        { url: 'http://other.example' },
        /is for http:\/\/127\.0\.0\.1:\d+, but the url argument says http:\/\/other\.example/,
      ],
      [{ configFile: join(dir, 'absent.yaml') }, /no credentials: .*run `gatehouse login`/],
    ];
    for (const [more, message] of conflicts) {
      const err = await new Auth({ ...options, ...more }).getToken().catch((e: unknown) => e);
      assert.ok(err instanceof ConfigurationError, `${String(message)}: ${String(err)}`);
      assert.match(err.message, message);
    }
  });
});
