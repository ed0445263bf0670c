/**
 * Failed-credential throttling (issue #12): refused credentials from one client address
 * are counted; at maxFailures the address is refused with 429 for the cool-down, even
 * with a valid key, and the answer says nothing about the credential. Other addresses
 * and successful requests are not counted. Time is a ManualClock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { metricValue, scrapeMetrics } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS, THROTTLED_SERVER } from './fixtures.js';

describe('failed-credential throttling', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const clock = new ManualClock(1_700_000_000_000);
  const from = (ip: string, key: string) =>
    send(gh.url, `${BASE_PATH}/x`, { headers: { 'x-forwarded-for': ip, 'x-api-key': key } });

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(
      {
        ...apiKeyConfig([upstream.url]),
        ...THROTTLED_SERVER,
      },
      { clock },
    );
  });
  after(async () => {
    await gh?.stop();
    await upstream?.close();
  });

  it('successful requests are not counted', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await from('203.0.113.7', KEYS.alice)).status, 200);
  });

  it('refuses an address after maxFailures 401s, even with a valid key, without a word about the credential', async () => {
    for (let i = 0; i < 3; i++)
      assertGatehouseError(await from('203.0.113.9', `gh_guess_${i}_0000000000`), 401, 'invalid_token');
    const reached = upstream.requests.length;
    const refused = await from('203.0.113.9', KEYS.alice);
    assertGatehouseError(refused, 429, 'rate_limited');
    assert.equal(refused.headers['retry-after'], '120');
    assert.equal(refused.headers['www-authenticate'], undefined);
    assert.doesNotMatch(refused.text, /key|token|credential is/i);
    assert.equal(upstream.requests.length, reached);
    assert.equal((await from('203.0.113.10', KEYS.alice)).status, 200, 'another address is not affected');
    const metrics = await scrapeMetrics(gh.adminUrl);
    assert.equal(metricValue(metrics, 'gatehouse_failed_credential_blocks_total'), 1);
    assert.equal(metricValue(metrics, 'gatehouse_failed_credential_refusals_total'), 1);
  });

  it('lets the address in again after the cool-down', async () => {
    clock.advance(119_000);
    assertGatehouseError(await from('203.0.113.9', KEYS.alice), 429, 'rate_limited');
    clock.advance(2_000);
    assert.equal((await from('203.0.113.9', KEYS.alice)).status, 200);
  });

  it('counts an IPv4-mapped address from the proxy as its IPv4 address, not as one /64 for all', async () => {
    for (let i = 1; i <= 3; i++)
      assertGatehouseError(
        await from('::ffff:203.0.113.50', `gh_guess_${i}_000000000`),
        401,
        'invalid_token',
      );
    assertGatehouseError(await from('203.0.113.50', KEYS.alice), 429, 'rate_limited');
    assertGatehouseError(await from('::FFFF:cb00:7132', KEYS.alice), 429, 'rate_limited');
    assert.equal((await from('::ffff:203.0.113.51', KEYS.alice)).status, 200, 'another IPv4 client');
  });

  it('counts an IPv6 client by its /64: rotating addresses within it does not reset the count', async () => {
    for (let i = 1; i <= 3; i++)
      assertGatehouseError(
        await from(`2001:db8:7:7::${i.toString(16)}`, `gh_guess_${i}_000000000`),
        401,
        'invalid_token',
      );
    assertGatehouseError(await from('2001:db8:7:7:ffff::99', KEYS.alice), 429, 'rate_limited');
    assert.equal((await from('2001:db8:7:8::1', KEYS.alice)).status, 200, 'the next /64 is not affected');
  });
});
