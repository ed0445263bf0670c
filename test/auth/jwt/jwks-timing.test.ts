import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheControlMaxAge } from '../../../src/auth/jwt/http-fetch.js';
import { effectiveMaxAgeMs, refreshDelayMs, retryDelayMs } from '../../../src/auth/jwt/jwks-timing.js';

const t = { cacheMaxAgeMs: 600_000, minRefreshMs: 60_000, retryBaseMs: 1000 };

describe('JWKS timing', () => {
  it('reads max-age from Cache-Control; no-store and no-cache count as 0', () => {
    assert.equal(cacheControlMaxAge(null), undefined);
    assert.equal(cacheControlMaxAge('public, max-age=300, must-revalidate'), 300);
    assert.equal(cacheControlMaxAge('Max-Age=120'), 120);
    assert.equal(cacheControlMaxAge('max-age="90"'), 90);
    assert.equal(cacheControlMaxAge('max-age=abc'), undefined);
    assert.equal(cacheControlMaxAge('max-age=-5'), undefined);
    assert.equal(cacheControlMaxAge('no-store'), 0);
    assert.equal(cacheControlMaxAge('private, no-cache'), 0);
  });

  it('a shorter server max-age wins, never below minRefresh, never above the configured max age', () => {
    assert.equal(effectiveMaxAgeMs(undefined, t), 600_000);
    assert.equal(effectiveMaxAgeMs(300, t), 300_000);
    assert.equal(effectiveMaxAgeMs(5, t), 60_000);
    assert.equal(effectiveMaxAgeMs(0, t), 60_000);
    assert.equal(effectiveMaxAgeMs(86_400, t), 600_000);
  });

  it('refreshes at 80 % of the max age, not sooner than minRefresh', () => {
    assert.equal(refreshDelayMs(600_000, t), 480_000);
    assert.equal(refreshDelayMs(100_000, t), 80_000);
    assert.equal(refreshDelayMs(60_000, t), 60_000);
  });

  it('retries after failures with a doubling delay capped at minRefresh', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 100].map((n) => retryDelayMs(n, t)),
      [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000],
    );
  });
});
