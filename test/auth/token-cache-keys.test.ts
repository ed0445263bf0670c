/**
 * Issue #8: a verified-token cache entry never outlives the key that verified it. A token
 * verified and cached, then its key leaves (a JWKS refresh no longer publishes its kid,
 * or a reload replaces a provider's secret or public key): the same token is refused
 * with 401 `invalid_token` at once and the upstream is not reached. Before, it kept
 * working from the cache for up to maxTtlSec (300 s).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { waitFor } from '../helpers/async.js';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import {
  generateHmacSecret,
  generateKeyPairFor,
  generateTestKeys,
  jwksOf,
  type TestHmacSecret,
  type TestKeyPair,
  type TestKeys,
} from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { FIXTURE_AUDIENCE, FIXTURE_ISSUER, fixtureProvider, signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function signed(key: TestKeyPair | TestHmacSecret, nowMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  const alg = 'alg' in key ? key.alg : 'HS256';
  return signToken(
    { alg, kid: key.kid, typ: 'JWT' },
    {
      iss: FIXTURE_ISSUER,
      aud: FIXTURE_AUDIENCE,
      sub: 'user-42',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
    },
    key,
  );
}

function oneDeployment(upstream: TestUpstream, provider: ConfigObject): ConfigObject {
  return {
    providers: [provider],
    infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
    services: [
      {
        id: 'api',
        versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: [provider.id] } } }],
      },
    ],
    deployments: [{ id: 'api', service: 'api', version: 'v1', infrastructure: 'infra', basePath: '/api' }],
  };
}

const cacheHits = (gh: TestGatehouse): Promise<number> =>
  readMetric(gh.adminUrl, 'gatehouse_token_cache_lookups_total', { cache: 'jwt', result: 'hit' }).then(
    (v) => v ?? 0,
  );

/** Sends `token` three times: 200 each time; verified twice (cached on the second), then a hit. */
async function verifyAndCache(gh: TestGatehouse, upstream: TestUpstream, token: string): Promise<void> {
  const mark = witness(upstream);
  for (let i = 0; i < 2; i++)
    assert.equal((await send(gh.url, '/api/x', { headers: bearer(token) })).status, 200);
  const hits = await cacheHits(gh);
  assert.equal((await send(gh.url, '/api/x', { headers: bearer(token) })).status, 200);
  assert.equal(await cacheHits(gh), hits + 1, 'the third request was a cache hit');
  assert.equal(mark.since(), 3);
}

describe('cached verifications end with their JWKS key', () => {
  const clock = new ManualClock(NOW);
  let keys: TestKeys;
  let server: JwksServer;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    keys = await generateTestKeys();
    server = await startJwksServer(jwksOf(keys.rsa, keys.ec));
    upstream = await startUpstream('api');
    const provider = fixtureProvider(keys, 'jwks', {
      jwksUri: server.jwksUri,
      algorithms: ['RS256', 'PS256', 'ES256'],
      jwks: { cacheMaxAgeSec: 60, minRefreshSec: 10, unknownKidCooldownSec: 5, fetchTimeoutMs: 1000 },
    });
    gh = await startGatehouse(oneDeployment(upstream, provider), { clock });
  });

  /** Makes the next lookup start the due refresh (a token the cache does not know) and waits for it. */
  async function refreshNow(): Promise<void> {
    const labels = { provider: 'fixtures-jwks', reason: 'refresh', result: 'success' };
    const refreshes = (await readMetric(gh.adminUrl, 'gatehouse_jwks_fetches_total', labels)) ?? 0;
    assert.equal(
      (await send(gh.url, '/api/x', { headers: bearer(await signed(keys.ec, clock.now())) })).status,
      200,
    );
    await waitFor(
      async () => ((await readMetric(gh.adminUrl, 'gatehouse_jwks_fetches_total', labels)) ?? 0) > refreshes,
      'the JWKS refresh',
    );
  }
  after(async () => {
    await gh.stop();
    await server.close();
    await upstream.close();
  });

  it('a refresh that no longer publishes the kid makes the cached token 401 invalid_token', async () => {
    const token = await signed(keys.rsa, clock.now());
    await verifyAndCache(gh, upstream, token);

    server.setKeys(jwksOf(keys.ec)); // rsa-1 is withdrawn
    clock.advance(50_000); // the refresh (80 % of the 60 s max age) is due; the token is still valid
    const labels = { provider: 'fixtures-jwks', reason: 'refresh', result: 'success' };
    const refreshes = (await readMetric(gh.adminUrl, 'gatehouse_jwks_fetches_total', labels)) ?? 0;
    // A token the cache does not know makes the lookup start the due refresh.
    assert.equal(
      (await send(gh.url, '/api/x', { headers: bearer(await signed(keys.ec, clock.now())) })).status,
      200,
    );
    await waitFor(
      async () => ((await readMetric(gh.adminUrl, 'gatehouse_jwks_fetches_total', labels)) ?? 0) > refreshes,
      'the JWKS refresh',
    );

    const mark = witness(upstream);
    assertRefused(await send(gh.url, '/api/x', { headers: bearer(token) }), mark, {
      status: 401,
      error: 'invalid_token',
      reached: false,
    });
    // A key still published keeps its cached verifications.
    const ecToken = await signed(keys.ec, clock.now());
    await verifyAndCache(gh, upstream, ecToken);
  });

  it('a refresh that narrows the alg of a key ends the cached verifications it no longer allows', async () => {
    // An RSA key published without alg serves RS256 and PS256; a PS256 token is cached.
    const ps = await generateKeyPairFor('PS256', 'ps-1');
    const { alg: _alg, ...anyAlg } = ps.publicJwk;
    server.setKeys({ keys: [keys.ec.publicJwk, anyAlg] });
    clock.advance(6_000); // past the unknown-kid cooldown: ps-1 is fetched on demand
    const token = await signed(ps, clock.now());
    await verifyAndCache(gh, upstream, token);

    // The issuer now pins the key to RS256: a PS256 signature by it is no longer accepted.
    server.setKeys({ keys: [keys.ec.publicJwk, { ...anyAlg, alg: 'RS256' }] });
    clock.advance(50_000); // the refresh is due
    await refreshNow();
    const fresh = witness(upstream);
    assertRefused(await send(gh.url, '/api/x', { headers: bearer(await signed(ps, clock.now())) }), fresh, {
      status: 401,
      error: 'invalid_token',
      reached: false,
    });
    const mark = witness(upstream);
    assertRefused(await send(gh.url, '/api/x', { headers: bearer(token) }), mark, {
      status: 401,
      error: 'invalid_token',
      reached: false,
    });
  });
});

describe('cached verifications end when a reload replaces the provider key', () => {
  let upstream: TestUpstream;

  before(async () => {
    upstream = await startUpstream('api');
  });
  after(async () => {
    await upstream.close();
  });

  const cases: {
    name: string;
    keys: () => Promise<[TestKeyPair | TestHmacSecret, TestKeyPair | TestHmacSecret]>;
    provider: (key: TestKeyPair | TestHmacSecret) => ConfigObject;
  }[] = [
    {
      name: 'hmac secret',
      keys: () => Promise.resolve([generateHmacSecret('hs-1'), generateHmacSecret('hs-1')]),
      provider: (key) => ({
        id: 'hs',
        type: 'hmac',
        issuer: FIXTURE_ISSUER,
        audiences: [FIXTURE_AUDIENCE],
        secrets: [{ kid: key.kid, secret: (key as TestHmacSecret).secret }],
      }),
    },
    {
      name: 'publicKey PEM',
      keys: async () => [
        await generateKeyPairFor('ES256', 'ec-1'),
        await generateKeyPairFor('ES256', 'ec-1'),
      ],
      provider: (key) => ({
        id: 'pem',
        type: 'publicKey',
        issuer: FIXTURE_ISSUER,
        audiences: [FIXTURE_AUDIENCE],
        algorithms: ['ES256'],
        keys: [{ kid: key.kid, pem: (key as TestKeyPair).publicPem }],
      }),
    },
  ];

  for (const { name, keys, provider } of cases) {
    it(`${name}: the token cached before the reload is 401 invalid_token after it`, async () => {
      const [first, second] = await keys();
      const gh = await startGatehouse(oneDeployment(upstream, provider(first)));
      try {
        const token = await signed(first, Date.now());
        await verifyAndCache(gh, upstream, token);
        const entries = (await readMetric(gh.adminUrl, 'gatehouse_token_cache_entries')) ?? 0;
        assert.equal(entries, 1, 'the cache holds the entry');

        gh.writeConfig(oneDeployment(upstream, provider(second)));
        const reloaded = await gh.gatehouse.reload();
        assert.ok(reloaded.ok && reloaded.changed, JSON.stringify(reloaded));

        const mark = witness(upstream);
        assertRefused(await send(gh.url, '/api/x', { headers: bearer(token) }), mark, {
          status: 401,
          error: 'invalid_token',
          reached: false,
        });
        assert.equal(
          await readMetric(gh.adminUrl, 'gatehouse_token_cache_entries'),
          entries - 1,
          'the dead entry left the cache',
        );
        await verifyAndCache(gh, upstream, await signed(second, Date.now()));
      } finally {
        await gh.stop();
      }
    });
  }
});
