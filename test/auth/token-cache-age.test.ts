/**
 * `maxTokenAgeSec` holds for cached tokens too. A token verified and cached while young
 * must be refused once its `iat` is older than the limit, exactly as a fresh verification
 * refuses it (`too_old`). Before, the cache entry lived until `exp` (or `maxTtlSec`), so a
 * cached token kept reaching the upstream long after the provider's age limit.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { generateTestKeys, jwksOf, type TestKeys } from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { FIXTURE_AUDIENCE, FIXTURE_ISSUER, signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const MAX_AGE_SEC = 60;

const cacheHits = (gh: TestGatehouse): Promise<number> =>
  readMetric(gh.adminUrl, 'gatehouse_token_cache_lookups_total', { cache: 'jwt', result: 'hit' }).then(
    (v) => v ?? 0,
  );

function errorDescription(res: SimpleResponse): string {
  return /error_description="([^"]*)"/.exec(String(res.headers['www-authenticate']))?.[1] ?? '';
}

describe('verified-token cache and maxTokenAgeSec', () => {
  const clock = new ManualClock(NOW);
  let keys: TestKeys;
  let server: JwksServer;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  const get = (token: string): Promise<SimpleResponse> =>
    send(gh.url, '/api/x', { headers: { authorization: `Bearer ${token}` } });

  /** A token issued at `issuedAtMs`, valid for an hour: only the age limit can end it within the test. */
  const issue = (issuedAtMs: number): Promise<string> => {
    const now = Math.floor(issuedAtMs / 1000);
    return signToken(
      { alg: 'RS256', kid: keys.rsa.kid },
      {
        iss: FIXTURE_ISSUER,
        aud: FIXTURE_AUDIENCE,
        sub: 'user-42',
        iat: now,
        exp: now + 3600,
        jti: randomUUID(),
      },
      keys.rsa,
    );
  };

  before(async () => {
    keys = await generateTestKeys();
    server = await startJwksServer(jwksOf(keys.rsa));
    upstream = await startUpstream('api');
    const provider = {
      id: 'idp',
      type: 'jwks',
      jwksUri: server.jwksUri,
      issuer: FIXTURE_ISSUER,
      audiences: [FIXTURE_AUDIENCE],
      // No tolerance: the cache and the verifier agree on the exact second.
      clockToleranceSec: 0,
      maxTokenAgeSec: MAX_AGE_SEC,
    };
    gh = await startGatehouse(
      {
        providers: [provider],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [
          { id: 'api', versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: ['idp'] } } }] },
        ],
        deployments: [
          { id: 'api', service: 'api', version: 'v1', infrastructure: 'infra', basePath: '/api' },
        ],
      },
      { clock },
    );
  });
  after(async () => {
    await gh.stop();
    await server.close();
    await upstream.close();
  });

  it('a cached token is refused once it is older than maxTokenAgeSec, as a fresh one is', async () => {
    const issuedAt = clock.now();
    const token = await issue(issuedAt);
    assert.equal((await get(token)).status, 200);
    assert.equal((await get(token)).status, 200, 'verified twice: now cached');
    const hits = await cacheHits(gh);
    clock.set(issuedAt + MAX_AGE_SEC * 1000 - 1);
    assert.equal((await get(token)).status, 200, 'still young enough one millisecond before the limit');
    assert.equal(await cacheHits(gh), hits + 1, 'served from the cache');

    clock.set(issuedAt + (MAX_AGE_SEC + 30) * 1000); // well past the limit, long before exp
    const seen = witness(upstream);
    const cached = await get(token);
    assertRefused(cached, seen, { status: 401, error: 'invalid_token', reached: false, notEchoing: token });
    assert.match(errorDescription(cached), /older than 60s/);
    assert.equal(await cacheHits(gh), hits + 1, 'the cache did not serve it past the age limit');

    // The same answer as a token of the same age that was never cached.
    const uncached = await issue(issuedAt);
    const fresh = witness(upstream);
    assertRefused(await get(uncached), fresh, { status: 401, error: 'invalid_token', reached: false });
  });
});
