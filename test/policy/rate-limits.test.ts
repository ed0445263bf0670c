/**
 * Rate limits on one Gatehouse with the memory store (issue #12 "Rate limits"): GCRA
 * per API key with overrides, client-address limits before authentication, the
 * version's list when the deployment has none, RateLimit headers, Retry-After, the
 * metric, and bad rate strings refused at load with their key path. Time is a
 * ManualClock: the limits use the injected clock, so refill is exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ConfigError } from '../../src/config/issues.js';
import { parseConfig } from '../../src/config/load.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { metricValue, scrapeMetrics } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS, withKey } from './fixtures.js';

describe('rate limits (memory store, one replica)', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const clock = new ManualClock(1_700_000_000_000);

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(
      apiKeyConfig([upstream.url], {
        rateLimits: [
          {
            by: 'apiKey',
            rate: '1/m',
            burst: 3,
            overrides: [{ group: 'partners', rate: '10/m', burst: 5 }],
          },
        ],
      }),
      { clock },
    );
  });
  after(async () => {
    await gh?.stop();
    await upstream?.close();
  });

  it('allows a burst per key with RateLimit headers, then 429 with Retry-After; the upstream is not reached', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await send(gh.url, `${BASE_PATH}/a`, { headers: withKey(KEYS.alice) });
      assert.equal(res.status, 200);
      assert.equal(res.headers['ratelimit-policy'], '"apiKey";q=1;w=60');
      assert.match(String(res.headers.ratelimit), new RegExp(`^"apiKey";r=${2 - i};t=\\d+$`));
    }
    const reached = upstream.requests.length;
    const refused = await send(gh.url, `${BASE_PATH}/a`, { headers: withKey(KEYS.alice) });
    assertGatehouseError(refused, 429, 'rate_limited');
    assert.equal(refused.headers['retry-after'], '60');
    assert.equal(refused.headers['ratelimit-policy'], '"apiKey";q=1;w=60');
    assert.equal(refused.headers.ratelimit, '"apiKey";r=0;t=60');
    assert.equal(upstream.requests.length, reached, 'a refused request never reaches the upstream');
  });

  it('counts each key on its own, and a partner group gets its override', async () => {
    assert.equal((await send(gh.url, `${BASE_PATH}/b`, { headers: withKey(KEYS.bob) })).status, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await send(gh.url, `${BASE_PATH}/p`, { headers: withKey(KEYS.partner) })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  });

  it('refills at the rate: one more request a minute later, not two', async () => {
    clock.advance(60_000);
    assert.equal((await send(gh.url, `${BASE_PATH}/a`, { headers: withKey(KEYS.alice) })).status, 200);
    assert.equal((await send(gh.url, `${BASE_PATH}/a`, { headers: withKey(KEYS.alice) })).status, 429);
  });

  it('does not limit a refused credential by apiKey (no key id), and exports the metric', async () => {
    const res = await send(gh.url, `${BASE_PATH}/a`, { headers: withKey('gh_wrong_key_000000009') });
    assertGatehouseError(res, 401, 'invalid_token');
    assert.equal(res.headers.ratelimit, undefined);
    const metrics = await scrapeMetrics(gh.adminUrl);
    // alice twice, partner once
    assert.equal(
      metricValue(metrics, 'gatehouse_rate_limited_total', { deployment: 'dep', limit: 'apiKey' }),
      3,
    );
  });
});

describe('rate limits before authentication and from the version', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse({
      ...apiKeyConfig(
        [upstream.url],
        {
          id: 'dep',
          rateLimits: [{ name: 'perClient', by: 'clientIp', rate: '2/h' }],
        },
        { rateLimits: [{ by: 'deployment', rate: '100/h' }] },
      ),
      server: { dataPlane: { trustProxy: ['127.0.0.1'] } },
    });
  });
  after(async () => {
    await gh?.stop();
    await upstream?.close();
  });

  it("uses the deployment's list over the version's, per client address behind a trusted proxy, before authentication", async () => {
    const from = (ip: string, key?: string) =>
      send(gh.url, `${BASE_PATH}/x`, {
        headers: { 'x-forwarded-for': ip, ...(key ? { 'x-api-key': key } : {}) },
      });
    assert.equal((await from('198.51.100.1', KEYS.alice)).status, 200);
    const second = await from('198.51.100.1');
    assertGatehouseError(second, 401, 'missing_credentials');
    assert.equal(second.headers['ratelimit-policy'], '"perClient";q=2;w=3600', 'the deployment list wins');
    // Exhausted: refused before the credential is looked at.
    const third = await from('198.51.100.1', KEYS.alice);
    assertGatehouseError(third, 429, 'rate_limited');
    assert.equal((await from('198.51.100.2', KEYS.alice)).status, 200, 'another client has its own bucket');
  });
});

describe('rate limit configuration', () => {
  const base = (rateLimits: unknown) => JSON.stringify(apiKeyConfig(['http://127.0.0.1:9'], { rateLimits }));
  const issues = (text: string) => {
    try {
      parseConfig(text, { source: 'test.yaml', baseDir: '/tmp', env: {} });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.issues.map((i) => `${i.path}: ${i.message}`);
    }
    return assert.fail('accepted');
  };

  for (const rate of ['0/s', '100', '10/d', '-5/s', '1e3/s', '5000000/s', 'lots', '100/ s /x'])
    it(`refuses the rate "${rate}" with its key path`, () => {
      const found = issues(base([{ by: 'apiKey', rate }]));
      assert.ok(
        found.some((i) => i.startsWith('deployments[0].rateLimits[0].rate:')),
        found.join('\n'),
      );
    });

  it('refuses unknown keys, overrides without key or group, and two limits with one name', () => {
    assert.ok(
      issues(base([{ by: 'cookie', rate: '1/s' }])).some((i) =>
        i.startsWith('deployments[0].rateLimits[0].by'),
      ),
    );
    assert.ok(
      issues(base([{ by: 'apiKey', rate: '1/s', overrides: [{ rate: '2/s' }] }])).some((i) =>
        i.startsWith('deployments[0].rateLimits[0].overrides[0]'),
      ),
    );
    assert.ok(
      issues(
        base([
          { by: 'apiKey', rate: '1/s' },
          { by: 'apiKey', rate: '2/s' },
        ]),
      ).some((i) => i.startsWith('deployments[0].rateLimits[1].name')),
    );
  });

  it('accepts the rates of the documentation', () => {
    const config = parseConfig(
      base([
        { by: 'header:X-Tenant', rate: '6000/m', burst: 200 },
        { by: 'claim:sub', rate: '10/h' },
      ]),
      {
        source: 'test.yaml',
        baseDir: '/tmp',
        env: {},
      },
    );
    assert.equal(config.deployments[0]?.rateLimits?.length, 2);
  });
});
