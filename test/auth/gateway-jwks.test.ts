/**
 * JWKS providers through the real gateway: startGatehouse → HTTP → a real upstream, keys
 * from a local JWKS server or a real OAuth 2.0 authorization server (oidc-provider).
 * JWKS freshness runs on the gateway's injected clock, so outages are simulated by moving
 * a ManualClock rather than by waiting.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { waitFor } from '../helpers/async.js';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import {
  generateKeyPairFor,
  generateTestKeys,
  jwksOf,
  withKid,
  type TestKeyPair,
  type TestKeys,
} from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server.js';
import {
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  fixtureProvider,
  signToken,
  type Json,
} from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** A fresh token (unique jti, so never a token-cache hit) signed by `key` under its kid. */
function signed(key: TestKeyPair, nowMs: number, claims: Json = {}): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return signToken(
    { alg: key.alg, kid: key.kid, typ: 'JWT' },
    {
      iss: FIXTURE_ISSUER,
      aud: FIXTURE_AUDIENCE,
      sub: 'user-42',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
      ...claims,
    },
    key,
  );
}

function oneDeployment(
  upstream: TestUpstream,
  provider: ConfigObject,
  auth: ConfigObject = {},
): ConfigObject {
  return {
    providers: [provider],
    infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
    services: [
      {
        id: 'api',
        versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: [provider.id] }, ...auth } }],
      },
    ],
    deployments: [{ id: 'api', service: 'api', version: 'v1', infrastructure: 'infra', basePath: '/api' }],
  };
}

const metric = (gh: TestGatehouse, name: string, labels: Record<string, string>): Promise<number> =>
  readMetric(gh.adminUrl, name, labels).then((v) => v ?? 0);

describe('a JWKS provider through the gateway', () => {
  const clock = new ManualClock(NOW);
  let keys: TestKeys;
  let server: JwksServer;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  const get = (token: string): Promise<SimpleResponse> => send(gh.url, '/api/x', { headers: bearer(token) });

  before(async () => {
    keys = await generateTestKeys();
    server = await startJwksServer(jwksOf(keys.rsa, keys.ec));
    upstream = await startUpstream('api');
    const provider = fixtureProvider(keys, 'jwks', {
      jwksUri: server.jwksUri,
      algorithms: ['RS256', 'ES256'],
      jwks: { cacheMaxAgeSec: 600, minRefreshSec: 60, unknownKidCooldownSec: 5, fetchTimeoutMs: 1000 },
    });
    gh = await startGatehouse(oneDeployment(upstream, provider), { clock });
  });
  after(async () => {
    await gh.stop();
    await server.close();
    await upstream.close();
  });

  it('fetched the keys before the first request', () => {
    assert.equal(server.jwksFetches, 1, 'JWKS fetched once, at start');
    assert.equal(upstream.requests.length, 0);
  });

  it('accepts RS256 and ES256 tokens signed with published keys', async () => {
    for (const key of [keys.rsa, keys.ec]) {
      const mark = witness(upstream);
      const res = await get(await signed(key, clock.now()));
      assert.equal(res.status, 200, `${key.alg}: ${res.text}`);
      assert.equal(mark.since(), 1);
      assert.equal(upstream.requests.at(-1)?.headers['x-auth-subject'], 'user-42');
    }
  });

  it('refuses a key that is not in the allowlist family or not published', async () => {
    const mark = witness(upstream);
    assertRefused(await get(await signed(keys.ed25519, clock.now())), mark, {
      status: 401,
      error: 'invalid_token',
      reached: false,
    });
    assertRefused(await get(await signed(keys.attacker, clock.now())), mark, {
      status: 401,
      error: 'invalid_token',
      reached: false,
    });
  });

  it('an unknown-kid flood triggers at most one refetch within the cooldown; every token is 401', async () => {
    const fetches = server.jwksFetches;
    const labels = { provider: 'fixtures-jwks', reason: 'unknown_kid', result: 'success' };
    const counted = await metric(gh, 'gatehouse_jwks_fetches_total', labels);
    const mark = witness(upstream);
    const flood = async (): Promise<void> => {
      const tokens = await Promise.all(
        Array.from({ length: 30 }, () => signed(withKid(keys.rsa, `random-${randomUUID()}`), clock.now())),
      );
      const answers = await Promise.all(tokens.map(get));
      for (const res of answers) {
        assertRefused(res, mark, { status: 401, error: 'invalid_token', reached: false });
        assert.match(
          String(res.headers['www-authenticate']),
          /error="invalid_token", error_description="unknown signing key"/,
        );
      }
    };
    await flood(); // concurrent
    for (let i = 0; i < 10; i++) {
      const res = await get(await signed(withKid(keys.rsa, `seq-${i}`), clock.now())); // sequential
      assertRefused(res, mark, { status: 401, error: 'invalid_token', reached: false });
    }
    await flood();
    assert.equal(server.jwksFetches - fetches, 1, 'one refetch for 70 unknown kids');
    assert.equal(await metric(gh, 'gatehouse_jwks_fetches_total', labels), counted + 1);
  });

  it('follows a rotation: a new kid is found by the unknown-kid refetch once the cooldown allows', async () => {
    const rotated = await generateKeyPairFor('ES256', 'ec-2');
    server.setKeys(jwksOf(keys.rsa, keys.ec, rotated));
    const token = await signed(rotated, clock.now());
    const mark = witness(upstream);
    // Still inside the cooldown of the flood's refetch: the new kid cannot be looked up yet.
    assertRefused(await get(token), mark, { status: 401, error: 'invalid_token', reached: false });
    clock.advance(5_000);
    const fetches = server.jwksFetches;
    const res = await get(token);
    assert.equal(res.status, 200, res.text);
    assert.equal(mark.since(), 1);
    assert.equal(server.jwksFetches, fetches + 1);
    // Keys still published keep working.
    assert.equal((await get(await signed(keys.rsa, clock.now()))).status, 200);
  });
});

describe('JWKS endpoint outage through the gateway', () => {
  const clock = new ManualClock(NOW);
  let keys: TestKeys;
  let server: JwksServer;
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  // cacheMaxAgeSec 10 + outageGraceSec 20: keys serve until 30 s after the last good fetch.
  const MAX_AGE_MS = 10_000;
  const GRACE_MS = 20_000;

  const get = async (): Promise<SimpleResponse> =>
    send(gh.url, '/api/x', { headers: bearer(await signed(keys.rsa, clock.now())) });

  before(async () => {
    keys = await generateTestKeys();
    server = await startJwksServer(jwksOf(keys.rsa));
    upstream = await startUpstream('api');
    const provider = fixtureProvider(keys, 'jwks', {
      jwksUri: server.jwksUri,
      algorithms: ['RS256'],
      jwks: {
        cacheMaxAgeSec: MAX_AGE_MS / 1000,
        minRefreshSec: 1,
        unknownKidCooldownSec: 1,
        fetchTimeoutMs: 300,
        outageGraceSec: GRACE_MS / 1000,
      },
    });
    gh = await startGatehouse(oneDeployment(upstream, provider), { clock });
  });
  after(async () => {
    await gh.stop();
    await server.close();
    await upstream.close();
  });

  it('keeps serving with cached keys through the grace period, then answers 503 (not 401), then recovers', async () => {
    const start = clock.now();
    const cached = await signed(keys.rsa, clock.now(), { exp: Math.floor(NOW / 1000) + 7200 });
    // Twice: the verified-token cache keeps a token from its second verification on.
    for (let i = 0; i < 2; i++)
      assert.equal((await send(gh.url, '/api/x', { headers: bearer(cached) })).status, 200);

    server.setMode('error500');
    clock.set(start + 9_000); // refresh due; the refresh fails
    assert.equal((await get()).status, 200, 'before max age');
    clock.set(start + MAX_AGE_MS + 5_000); // past max age, inside the grace
    assert.equal((await get()).status, 200, 'stale keys inside the grace');
    assert.equal(await metric(gh, 'gatehouse_jwks_stale', { provider: 'fixtures-jwks' }), 1);

    // An unknown kid while the endpoint fails may be a rotation we cannot see: 503, not 401.
    let mark = witness(upstream);
    const rotatedMaybe = await send(gh.url, '/api/x', {
      headers: bearer(await signed(withKid(keys.rsa, 'not-yet-seen'), clock.now())),
    });
    assertRefused(rotatedMaybe, mark, { status: 503, error: 'auth_unavailable', reached: false });

    server.setMode('hang');
    clock.set(start + MAX_AGE_MS + GRACE_MS - 1_000);
    assert.equal((await get()).status, 200, 'a hanging endpoint does not hold requests inside the grace');

    clock.set(start + MAX_AGE_MS + GRACE_MS + 1_000);
    const labels = { deployment: 'api', method: 'jwt', outcome: 'unavailable', reason: 'keys_unavailable' };
    const counted = await metric(gh, 'gatehouse_auth_outcomes_total', labels);
    mark = witness(upstream);
    const res = await get();
    assertRefused(res, mark, { status: 503, error: 'auth_unavailable', reached: false });
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.headers['www-authenticate'], undefined, '503 carries no Bearer challenge');
    assert.equal(await metric(gh, 'gatehouse_auth_outcomes_total', labels), counted + 1);
    server.setMode('error500');
    const again = await get();
    assertRefused(again, mark, { status: 503, error: 'auth_unavailable', reached: false });
    assert.equal(await metric(gh, 'gatehouse_jwks_keys', { provider: 'fixtures-jwks' }), 0);

    // A token verified before the outage is still served from the verified-token cache (until its exp).
    assert.equal((await send(gh.url, '/api/x', { headers: bearer(cached) })).status, 200);
    mark = witness(upstream);

    server.setMode('ok');
    const seen: number[] = [];
    await waitFor(async () => {
      clock.advance(1_000);
      const status = (await get()).status;
      seen.push(status);
      return status === 200;
    }, 'the gateway to recover once the JWKS endpoint is healthy');
    assert.ok(
      seen.slice(0, -1).every((s) => s === 503),
      `only 503 until recovery (got ${seen.join(',')})`,
    );
    assert.equal(mark.since(), 1);
    assert.equal(await metric(gh, 'gatehouse_jwks_stale', { provider: 'fixtures-jwks' }), 0);
  });
});

describe('a real OAuth 2.0 authorization server (oidc-provider) through the gateway', () => {
  const API = 'https://api.gatehouse.test';
  const OTHER_API = 'https://billing.gatehouse.test';
  let idp: OidcServer;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  const get = (token: string): Promise<SimpleResponse> => send(gh.url, '/api/x', { headers: bearer(token) });

  before(async () => {
    idp = await startOidcServer({ resources: { [API]: 'read write', [OTHER_API]: 'pay' } });
    upstream = await startUpstream('api');
    gh = await startGatehouse(
      oneDeployment(
        upstream,
        {
          id: 'corp',
          type: 'jwks',
          issuer: idp.issuer,
          discovery: true,
          audiences: [API],
          tokenType: 'at+jwt',
          algorithms: ['RS256'],
          jwks: { unknownKidCooldownSec: 1 },
        },
        { require: { scopes: ['read'] } },
      ),
    );
  });
  after(async () => {
    await gh.stop();
    await idp.close();
    await upstream.close();
  });

  it('found the keys through discovery before the first request', () => {
    assert.ok(idp.jwksFetches >= 1);
  });

  it('a client_credentials token for our resource → 200 with the client as subject and its scopes', async () => {
    const issued = await idp.issueToken({ resource: API, scope: 'read write' });
    const mark = witness(upstream);
    const res = await get(issued.accessToken);
    assert.equal(res.status, 200, res.text);
    assert.equal(mark.since(), 1);
    const seen = upstream.requests.at(-1)?.headers ?? {};
    assert.equal(seen['x-auth-method'], 'jwt');
    assert.equal(seen['x-auth-subject'], idp.clientId);
    assert.equal(seen['x-auth-scopes'], 'read,write');
    assert.equal(seen.authorization, undefined);
  });

  it('a token without the required scope → 403 insufficient_scope', async () => {
    const issued = await idp.issueToken({ resource: API, scope: 'write' });
    const mark = witness(upstream);
    const res = await get(issued.accessToken);
    assertRefused(res, mark, { status: 403, error: 'insufficient_scope', reached: false });
    assert.match(String(res.headers['www-authenticate']), /scope="read"$/);
  });

  it('a token for another resource (audience) → 401 wrong_audience', async () => {
    const labels = { deployment: 'api', method: 'jwt', outcome: 'rejected', reason: 'wrong_audience' };
    const counted = await metric(gh, 'gatehouse_auth_outcomes_total', labels);
    const issued = await idp.issueToken({ resource: OTHER_API, scope: 'pay' });
    const mark = witness(upstream);
    const res = await get(issued.accessToken);
    assertRefused(res, mark, { status: 401, error: 'invalid_token', reached: false });
    assert.match(String(res.headers['www-authenticate']), /error_description="audience not accepted"/);
    assert.equal(await metric(gh, 'gatehouse_auth_outcomes_total', labels), counted + 1);
  });

  it('after rotate(): new tokens are accepted, old ones too while the old key is published', async () => {
    const old = await idp.issueToken({ resource: API, scope: 'read' });
    const fetches = idp.jwksFetches;
    await idp.rotate();
    const fresh = await idp.issueToken({ resource: API, scope: 'read' });
    const mark = witness(upstream);
    assert.equal((await get(fresh.accessToken)).status, 200, 'new kid found by the unknown-kid refetch');
    assert.ok(idp.jwksFetches > fetches);
    assert.equal((await get(old.accessToken)).status, 200, 'old key still published');
    assert.equal(mark.since(), 2);
  });
});
