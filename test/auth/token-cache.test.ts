/**
 * The verified-token cache's bounds through the real gateway: expired entries leave on
 * their own (issue #9 §4) and a flood of tokens used once does not evict the tokens
 * clients keep reusing (segmented LRU). Plus the expiry wheel that drives the sweep.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ExpiryWheel } from '../../src/auth/expiry-wheel.js';
import { RevocationList } from '../../src/auth/revocation.js';
import { VerifiedTokenCache } from '../../src/auth/token-cache.js';
import { ManualClock } from '../../src/clock.js';
import { waitFor } from '../helpers/async.js';
import { verifiedTokenEntry } from '../helpers/verified-token.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { generateHmacSecret, type TestHmacSecret } from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const ISSUER = 'https://cache.issuer.test';
const AUDIENCE = 'https://cache.api.test';

describe('verified-token cache bounds through the gateway', () => {
  const clock = new ManualClock(NOW);
  let secret: TestHmacSecret;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  const token = (): Promise<string> => {
    const now = Math.floor(clock.now() / 1000);
    return signToken(
      { alg: 'HS256', typ: 'JWT' },
      { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: now, exp: now + 3600, jti: randomUUID() },
      secret,
    );
  };
  const get = async (t: string): Promise<void> => {
    const count = upstream.requests.length;
    const res = await send(gh.url, '/api/x', { headers: { authorization: `Bearer ${t}` } });
    assert.equal(res.status, 200, res.text);
    assert.equal(upstream.requests.length, count + 1, 'the upstream was reached');
  };
  const lookups = async (result: 'hit' | 'miss'): Promise<number> =>
    (await readMetric(gh.adminUrl, 'gatehouse_token_cache_lookups_total', { cache: 'jwt', result })) ?? 0;
  const entries = async (): Promise<number> =>
    (await readMetric(gh.adminUrl, 'gatehouse_token_cache_entries')) ?? -1;

  before(async () => {
    secret = generateHmacSecret('hs');
    upstream = await startUpstream('api');
    gh = await startGatehouse(
      {
        tokenCache: { maxEntries: 8, maxTtlSec: 60 },
        providers: [
          {
            id: 'hs',
            type: 'hmac',
            issuer: ISSUER,
            audiences: [AUDIENCE],
            secrets: [{ secret: secret.secret }],
          },
        ],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [
          { id: 'api', versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: ['hs'] } } }] },
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
    await upstream.close();
  });

  it('a reused token stays cached through a flood of tokens used once (maxEntries 8, 20 new tokens)', async () => {
    const hot = await token();
    await get(hot);
    await get(hot); // first hit: promoted out of probation
    for (let i = 0; i < 20; i++) await get(await token());
    assert.ok((await entries()) <= 8, 'maxEntries holds');
    const [hits, misses] = [await lookups('hit'), await lookups('miss')];
    await get(hot);
    assert.equal(await lookups('hit'), hits + 1, 'the reused token was still cached');
    assert.equal(await lookups('miss'), misses);
  });

  it('expired entries leave the cache by themselves, without being looked up again', async () => {
    for (let i = 0; i < 5; i++) await get(await token());
    assert.ok((await entries()) > 0, 'the new tokens are cached');
    clock.advance(61_000); // past maxTtlSec
    await waitFor(async () => (await entries()) === 0, 'the sweep to empty the cache');
  });
});

describe('expiry wheel', () => {
  it('hands back a key once its one-second slot has passed, and keys re-filed while sweeping later', () => {
    const wheel = new ExpiryWheel<string>(10_000, 1000);
    wheel.add('a', 10_500);
    wheel.add('b', 11_000);
    wheel.add('c', 12_001);
    const seen: string[] = [];
    wheel.sweep(10_999, (k) => seen.push(k));
    assert.equal(seen.length, 0, 'a expires at 10.5 s: handed back when its slot ends, at 11 s');
    wheel.sweep(11_000, (k) => {
      seen.push(k);
      wheel.add(k, 11_000); // re-filed while sweeping: not handed back in this sweep
    });
    assert.deepEqual(seen, ['a', 'b']);
    wheel.sweep(12_000, (k) => seen.push(k));
    assert.deepEqual(seen, ['a', 'b', 'a', 'b']);
    wheel.sweep(12_999, (k) => seen.push(k));
    assert.deepEqual(seen, ['a', 'b', 'a', 'b']);
    wheel.sweep(13_000, (k) => seen.push(k));
    assert.deepEqual(seen, ['a', 'b', 'a', 'b', 'c']);
  });

  it('after a long pause visits only the slots it holds', () => {
    const wheel = new ExpiryWheel<string>(0, 1000);
    wheel.add('x', 5_000);
    wheel.add('y', 9_000_000_000);
    const seen: string[] = [];
    wheel.sweep(8_000_000_000, (k) => seen.push(k));
    assert.deepEqual(seen, ['x']);
    wheel.sweep(9_000_000_000, (k) => seen.push(k));
    assert.deepEqual(seen, ['x', 'y']);
  });
});

describe('verified-token cache under a flood of tokens used once', () => {
  it('tracks the expiry of at most about 2 x maxEntries keys, and the survivors still expire', async () => {
    const clock = new ManualClock(NOW);
    const revocations = new RevocationList(clock);
    // Every token set twice would be the same test: this one is about the LRU and the wheel.
    const cache = new VerifiedTokenCache({
      maxEntries: 100,
      maxTtlMs: 300_000,
      clock,
      revocations,
      admitOnFirstUse: true,
    });
    const entry = verifiedTokenEntry(NOW + 3_600_000);
    try {
      for (let i = 0; i < 10_000; i++) cache.set(`token-${i}`, entry);
      assert.ok(cache.size <= 100, `maxEntries holds (${cache.size})`);
      assert.ok(cache.trackedExpiries <= 2 * 100 + 1024, `expiry keys bounded (${cache.trackedExpiries})`);
      assert.ok(cache.get('token-9999'), 'the newest token is cached');
      clock.advance(301_000);
      await waitFor(() => cache.size === 0, 'the sweep to drop the expired survivors');
      assert.equal(cache.trackedExpiries, 0);
    } finally {
      cache.close();
    }
  });
});
