/**
 * Brute-force protection: attempts counted per user name and failures per source address
 * in the shared store, so two Gatehouse instances on one SQLite database block together; a
 * blocked caller gets 429 rate_limited with Retry-After, even with the right password.
 * Parallel guesses: the user's attempts are counted before any hashing, so a burst of
 * 200 wrong passwords gets at most `maxAttempts` password checks (issue #8).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import type { SimpleResponse } from '../helpers/http.js';
import { metricValue, scrapeMetrics } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { bearer, postJson, putUsers, refresh, tokenConfig } from './support.js';

const NOW = Date.UTC(2026, 3, 1, 0, 0, 0);
const WINDOW_SEC = 60;

describe('brute-force protection shared by two instances', () => {
  let upstream: TestUpstream;
  let a: TestGatehouse;
  let b: TestGatehouse;
  let dataDir: string;
  const clock = new ManualClock(NOW);

  const attempt = (gh: TestGatehouse, username: string, password: string): Promise<SimpleResponse> =>
    postJson(gh.adminUrl, '/api/v1/auth/tokens', { grant_type: 'password', username, password });
  const assertBlocked = (res: SimpleResponse): void => {
    assertGatehouseError(res, 429, 'rate_limited');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= WINDOW_SEC, `Retry-After ${res.headers['retry-after']}`);
  };

  before(async () => {
    upstream = await startUpstream('api');
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bf-'));
    const config = tokenConfig(upstream.url, {
      bruteForce: {
        perUser: { maxAttempts: 3, windowSec: WINDOW_SEC },
        perAddress: { maxAttempts: 8, windowSec: WINDOW_SEC },
      },
    });
    config.store = { type: 'sqlite', sqlite: { dataDir, pollIntervalMs: 20 } };
    a = await startGatehouse(config, { clock });
    b = await startGatehouse(config, { clock });
    await putUsers(a.gatehouse, [
      { id: 'alice', password: 'alice-pw' },
      { id: 'bob', password: 'bob-pw' },
    ]);
    await b.gatehouse.state.refresh();
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('per user: failures on one instance block the user on both, until the window ends', async () => {
    for (let i = 0; i < 3; i++)
      assertGatehouseError(await attempt(a, 'alice', 'wrong'), 401, 'invalid_token');
    assertBlocked(await attempt(b, 'alice', 'alice-pw'));
    assertBlocked(await attempt(a, 'alice', 'alice-pw'));
    const revokeByCredentials = await postJson(b.adminUrl, '/api/v1/auth/revoke', {
      clientId: 'x',
      username: 'alice',
      password: 'alice-pw',
    });
    assertBlocked(revokeByCredentials);
    assert.equal((await attempt(b, 'bob', 'bob-pw')).status, 200, 'other users are not blocked');
    clock.advance((WINDOW_SEC + 1) * 1000);
    assert.equal((await attempt(b, 'alice', 'alice-pw')).status, 200);
    // A success resets the user's count: two more failures do not block.
    for (let i = 0; i < 2; i++)
      assertGatehouseError(await attempt(a, 'alice', 'wrong'), 401, 'invalid_token');
    assert.equal((await attempt(a, 'alice', 'alice-pw')).status, 200);
  });

  it('per address: failures across user names and bad refresh tokens block the address', async () => {
    clock.advance((WINDOW_SEC + 1) * 1000);
    for (let i = 0; i < 4; i++)
      assertGatehouseError(await attempt(i % 2 ? a : b, `ghost-${i}`, 'x'), 401, 'invalid_token');
    for (let i = 0; i < 3; i++)
      assertGatehouseError(
        await refresh(a.adminUrl, `ghr_${'A'.repeat(22)}.${'B'.repeat(43)}`),
        401,
        'invalid_token',
      );
    assertGatehouseError(await send401(b), 401, 'invalid_token');
    assertBlocked(await attempt(a, 'bob', 'bob-pw'));
    assertBlocked(await refresh(b.adminUrl, `ghr_${'A'.repeat(22)}.${'B'.repeat(43)}`));
    const tokens = await postJson(
      a.adminUrl,
      '/api/v1/tokens',
      { name: 'x', expiresAt: '2030-01-01T00:00:00Z' },
      bearer('bad'),
    );
    assertBlocked(tokens);
    clock.advance((WINDOW_SEC + 1) * 1000);
    assert.equal((await attempt(b, 'bob', 'bob-pw')).status, 200);
  });

  /** A bad bearer on a token endpoint counts as a failure of the address too. */
  function send401(gh: TestGatehouse): Promise<SimpleResponse> {
    return postJson(
      gh.adminUrl,
      '/api/v1/tokens',
      { name: 'x', expiresAt: '2030-01-01T00:00:00Z' },
      bearer('bad'),
    );
  }
});

describe('brute-force limits under parallel guesses', () => {
  const LIMIT = 10;
  const BURST = 200;
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let dataDir: string;

  const attempt = (username: string, password: string): Promise<SimpleResponse> =>
    postJson(gh.adminUrl, '/api/v1/auth/tokens', { grant_type: 'password', username, password });
  /** Password hashes checked so far, whatever the result. */
  const checks = async (): Promise<number> => {
    const text = await scrapeMetrics(gh.adminUrl);
    return metricValue(text, 'gatehouse_password_checks_total') ?? 0;
  };

  before(async () => {
    upstream = await startUpstream('api');
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bf-burst-'));
    const config = tokenConfig(upstream.url, {
      bruteForce: {
        perUser: { maxAttempts: LIMIT, windowSec: WINDOW_SEC },
        perAddress: { maxAttempts: 100_000, windowSec: WINDOW_SEC },
      },
    });
    config.store = { type: 'sqlite', sqlite: { dataDir } };
    gh = await startGatehouse(config);
    await putUsers(gh.gatehouse, [
      { id: 'alice', password: 'alice-pw' },
      { id: 'bob', password: 'bob-pw' },
    ]);
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${BURST} concurrent wrong passwords for one user: at most ${LIMIT} are checked, the rest 429`, async () => {
    const before = await checks();
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => attempt('alice', `wrong-${i}`)),
    );
    const checked = (await checks()) - before;
    const refused = answers.filter((r) => r.status === 429);
    const wrong = answers.filter((r) => r.status === 401);
    assert.equal(refused.length + wrong.length, BURST, 'every answer is 401 or 429');
    assert.ok(checked >= 1 && checked <= LIMIT, `${checked} password checks for a limit of ${LIMIT}`);
    assert.equal(wrong.length, checked, 'a 401 only after a real password check');
    for (const res of wrong) assertGatehouseError(res, 401, 'invalid_token');
    for (const res of refused) {
      assertGatehouseError(res, 429, 'rate_limited');
      assert.ok(Number(res.headers['retry-after']) >= 1, `Retry-After ${res.headers['retry-after']}`);
    }
    // Locked: the right password is refused too, without any hashing.
    const right = await attempt('alice', 'alice-pw');
    assertGatehouseError(right, 429, 'rate_limited');
    assert.equal((await checks()) - before, checked, 'no password was checked while locked');
    // Another user is not affected.
    assert.equal((await attempt('bob', 'bob-pw')).status, 200);
  });

  it('an unknown user name costs the same password check as a known one, and is limited alike', async () => {
    const before = await checks();
    assertGatehouseError(await attempt('nobody-here', 'x'), 401, 'invalid_token');
    assertGatehouseError(await attempt('bob', 'wrong'), 401, 'invalid_token');
    assert.equal((await checks()) - before, 2, 'one scrypt check each');
    const burst = await Promise.all(Array.from({ length: 40 }, () => attempt('nobody-either', 'x')));
    assert.ok(burst.filter((r) => r.status === 401).length <= LIMIT);
    assert.ok(burst.some((r) => r.status === 429));
  });
});
