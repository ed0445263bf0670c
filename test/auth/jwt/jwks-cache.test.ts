/**
 * The JWKS cache against a real, slowable, breakable, counting HTTP server. Most tests
 * move a ManualClock (lookups start due refreshes themselves); one checks the real timers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ManualClock, systemClock } from '../../../src/clock.js';
import type { JwtVerification, JwtVerifier } from '../../../src/auth/jwt/types.js';
import { createJwtVerifier } from '../../../src/auth/jwt/verifier.js';
import { withKid, generateTestKeys, jwksOf, type TestKeyPair, type TestKeys } from '../../helpers/keys.js';
import { waitFor } from '../../helpers/async.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { FIXTURE_AUDIENCE, FIXTURE_ISSUER, signToken } from '../../helpers/token-fixtures.js';
import { jwksProvider, metricValue, testDeps, type JwksTuningSec, type TestDeps } from './support.js';

const START = Date.UTC(2026, 10, 22, 10, 0, 0);
const SEC = 1000;

let keys: TestKeys;
let server: JwksServer;
let clock: ManualClock;
let deps: TestDeps;
const started: JwtVerifier[] = [];

/** A token signed by `pair` (kid from the pair unless given), valid for a day from START. */
function tokenFor(pair: TestKeyPair, kid: string = pair.kid): Promise<string> {
  const now = Math.floor(START / 1000);
  return signToken(
    { alg: pair.alg, kid },
    { iss: FIXTURE_ISSUER, aud: FIXTURE_AUDIENCE, sub: 'u', iat: now, exp: now + 86_400 },
    pair,
  );
}
const reasonOf = (r: JwtVerification) => (r.ok ? 'ok' : r.reason);

async function startVerifier(tuning: JwksTuningSec = {}, useClock: 'manual' | 'system' = 'manual') {
  deps = testDeps(useClock === 'manual' ? clock : systemClock);
  const verifier = createJwtVerifier(
    jwksProvider(keys, server.jwksUri, {
      cacheMaxAgeSec: 600,
      minRefreshSec: 60,
      unknownKidCooldownSec: 30,
      fetchTimeoutMs: 1000,
      outageGraceSec: 3600,
      ...tuning,
    }),
    deps,
  );
  started.push(verifier);
  await verifier.start();
  return verifier;
}
const fetches = (reason: string, result: string) =>
  metricValue(deps.metrics.jwksFetches, { provider: 'fixtures-jwks', reason, result });
/** Waits until the cache has recorded `count` fetches with this reason and result. */
const fetched = (reason: string, result: string, count: number) =>
  waitFor(
    async () => (await fetches(reason, result)) >= count,
    `${count} ${reason} fetch(es): ${result}`,
    2000,
    5,
  );

before(async () => {
  keys = await generateTestKeys();
  server = await startJwksServer();
});
beforeEach(() => {
  clock = new ManualClock(START);
  server.setKeys(jwksOf(keys.rsa, keys.ec, keys.ed25519));
  server.setMode('ok');
  server.setDelay(0);
  server.setCacheControl(undefined);
  server.resetCounts();
});
afterEach(() => {
  for (const v of started.splice(0)) v.stop();
});
after(async () => {
  await server.close();
});

describe('JWKS cache', () => {
  it('fetches at start and serves from memory afterwards', async () => {
    const v = await startVerifier();
    assert.equal(server.jwksFetches, 1);
    for (let i = 0; i < 20; i++) assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.ec))), 'ok');
    assert.equal(server.jwksFetches, 1);
    assert.equal(await fetches('initial', 'success'), 1);
    assert.equal(await metricValue(deps.metrics.jwksKeys, { provider: 'fixtures-jwks' }), 3);
    assert.equal(await metricValue(deps.metrics.jwksStale, { provider: 'fixtures-jwks' }), 0);
  });

  it('random kids: 50 concurrent, then 50 more, cause one refetch per cooldown', async () => {
    const v = await startVerifier({ unknownKidCooldownSec: 30 });
    server.setDelay(50);
    const burst = await Promise.all(
      Array.from({ length: 50 }, async () => v.verify(await tokenFor(keys.attacker, randomUUID()))),
    );
    assert.ok(burst.every((r) => reasonOf(r) === 'unknown_kid'));
    assert.equal(server.jwksFetches, 2, 'initial + one shared unknown-kid fetch');
    for (let i = 0; i < 50; i++) {
      clock.advance(500); // 25 s in all, still inside the cooldown
      assert.equal(reasonOf(await v.verify(await tokenFor(keys.attacker, randomUUID()))), 'unknown_kid');
    }
    assert.equal(server.jwksFetches, 2);
    clock.advance(5 * SEC + 1);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.attacker, randomUUID()))), 'unknown_kid');
    assert.equal(server.jwksFetches, 3, 'one more after the cooldown');
    assert.equal(await fetches('unknown_kid', 'success'), 2);
    // Known keys keep working throughout.
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
  });

  it('key rotation: a new kid is picked up by the unknown-kid refetch, a removed key stops after the refresh', async () => {
    const v = await startVerifier({ cacheMaxAgeSec: 600, minRefreshSec: 60 });
    const next = withKid(keys.attacker, 'rsa-2');
    server.setKeys(jwksOf(keys.rsa, next));
    assert.equal(reasonOf(await v.verify(await tokenFor(next))), 'ok');
    assert.equal(server.jwksFetches, 2);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok'); // still published

    server.setKeys(jwksOf(next));
    clock.advance(479 * SEC);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok'); // refresh not due yet
    assert.equal(server.jwksFetches, 2);
    clock.advance(2 * SEC); // past 80 % of the max age: this lookup starts the refresh
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
    await fetched('refresh', 'success', 1);
    assert.equal(server.jwksFetches, 3);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'unknown_kid');
    assert.equal(reasonOf(await v.verify(await tokenFor(next))), 'ok');
  });

  it('a shorter Cache-Control max-age wins, but never below minRefreshSec', async () => {
    server.setCacheControl('public, max-age=100');
    const v = await startVerifier({ cacheMaxAgeSec: 600, minRefreshSec: 60 });
    clock.advance(79 * SEC);
    await v.verify(await tokenFor(keys.rsa));
    assert.equal(server.jwksFetches, 1);
    server.setCacheControl('max-age=5'); // the next answer asks for 5 s
    clock.advance(2 * SEC); // 81 s > 80 % of 100 s
    await v.verify(await tokenFor(keys.rsa));
    await fetched('refresh', 'success', 1);
    clock.advance(59 * SEC); // the answer said 5 s; the floor is 60 s
    await v.verify(await tokenFor(keys.rsa));
    assert.equal(server.jwksFetches, 2);
    clock.advance(2 * SEC);
    await v.verify(await tokenFor(keys.rsa));
    await fetched('refresh', 'success', 2);
    assert.equal(server.jwksFetches, 3);
  });

  it('refreshes in the background on its own timer, before the keys expire', async () => {
    await startVerifier({ cacheMaxAgeSec: 0.2, minRefreshSec: 0.05 }, 'system');
    await waitFor(async () => (await fetches('refresh', 'success')) >= 2, 'two timer refreshes', 2000, 5);
    assert.ok(server.jwksFetches >= 3);
  });

  it('times out a hanging endpoint: start resolves, verify answers unavailable (503), not 401', async () => {
    server.setMode('hang');
    const t0 = Date.now();
    const v = await startVerifier({ fetchTimeoutMs: 150 });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 140 && elapsed < 1000, `start took ${elapsed} ms`);
    const result = await v.verify(await tokenFor(keys.rsa));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.unavailable && result.reason === 'keys_unavailable');
    assert.equal(await fetches('initial', 'timeout'), 1);
  });

  it('a slow endpoint within the timeout is fine', async () => {
    server.setDelay(100);
    const v = await startVerifier({ fetchTimeoutMs: 1000 });
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
  });

  it('outage: serves the last good keys until maxAge + grace, then unavailable, then recovers', async () => {
    const v = await startVerifier({
      cacheMaxAgeSec: 100,
      minRefreshSec: 10,
      outageGraceSec: 200,
      unknownKidCooldownSec: 30,
    });
    server.setMode('error500');
    clock.advance(150 * SEC); // past the max age
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
    await fetched('refresh', 'http_error', 1);
    assert.equal(await metricValue(deps.metrics.jwksStale, { provider: 'fixtures-jwks' }), 1);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
    // The rotation question cannot be answered while the endpoint fails: 503, not 401.
    const unknown = await v.verify(await tokenFor(keys.attacker, 'rotated-maybe'));
    assert.ok(!unknown.ok && unknown.unavailable);

    clock.advance(151 * SEC); // 301 s after the last success > 100 + 200
    const down = await v.verify(await tokenFor(keys.rsa));
    assert.ok(!down.ok && down.unavailable && down.reason === 'keys_unavailable', JSON.stringify(down));
    assert.equal(await metricValue(deps.metrics.jwksKeys, { provider: 'fixtures-jwks' }), 0);
    assert.equal(await metricValue(deps.metrics.jwksStale, { provider: 'fixtures-jwks' }), 0);

    server.setMode('ok');
    clock.advance(31 * SEC); // past the cooldown and the retry backoff
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
    assert.equal(await metricValue(deps.metrics.jwksKeys, { provider: 'fixtures-jwks' }), 3);
    // Logged, without the body of the failed answer.
    const logs = deps.logLines.join('');
    assert.match(logs, /JWKS fetch failed/);
    assert.match(logs, /HTTP 500/);
    assert.doesNotMatch(logs, /secret-looking body/);
  });

  for (const [mode, result] of [
    ['invalidJson', 'invalid'],
    ['noKeys', 'invalid'],
    ['reset', 'network_error'],
    ['error500', 'http_error'],
  ] as const) {
    it(`a failed refresh (${mode}) keeps the last good keys`, async () => {
      const v = await startVerifier({ cacheMaxAgeSec: 100, minRefreshSec: 10 });
      server.setMode(mode);
      clock.advance(81 * SEC);
      assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
      await fetched('refresh', result, 1);
      assert.equal(server.jwksFetches, 2);
      assert.equal(reasonOf(await v.verify(await tokenFor(keys.ec))), 'ok');
      assert.equal(await metricValue(deps.metrics.jwksKeys, { provider: 'fixtures-jwks' }), 3);
    });
  }

  it('a JWKS unreachable at start answers unavailable, then recovers', async () => {
    server.setMode('error500');
    const v = await startVerifier({ unknownKidCooldownSec: 30, minRefreshSec: 10 });
    const first = await v.verify(await tokenFor(keys.rsa));
    assert.ok(!first.ok && first.unavailable);
    server.setMode('ok');
    clock.advance(31 * SEC);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
  });

  it('ignores keys whose use is not sig or whose alg is not allowed', async () => {
    const enc = withKid(keys.attacker, 'enc-1');
    const rs512 = withKid(keys.attacker, 'rs512-1');
    server.setKeys({
      keys: [
        keys.rsa.publicJwk,
        { ...enc.publicJwk, use: 'enc' },
        { ...rs512.publicJwk, alg: 'RS512' }, // allowed: RS256, ES256, EdDSA
        { kty: 'oct', kid: 'sym', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' },
      ],
    });
    const v = await startVerifier();
    assert.equal(await metricValue(deps.metrics.jwksKeys, { provider: 'fixtures-jwks' }), 1);
    assert.equal(reasonOf(await v.verify(await tokenFor(keys.rsa))), 'ok');
    assert.equal(reasonOf(await v.verify(await tokenFor(enc))), 'unknown_kid');
    assert.equal(reasonOf(await v.verify(await tokenFor(rs512))), 'unknown_kid');
  });

  it('stop() ends timers and answers unavailable afterwards', async () => {
    const v = await startVerifier({ cacheMaxAgeSec: 0.1, minRefreshSec: 0.05 }, 'system');
    v.stop();
    const count = server.jwksFetches;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(server.jwksFetches, count);
    const result = await v.verify(await tokenFor(keys.rsa));
    assert.ok(!result.ok && result.unavailable);
  });
});
