/**
 * The verified-token cache admits a token on its second verification (doorkeeper): a
 * flood of tokens used once never enters it, and a token used again is cached.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Doorkeeper } from '../../src/auth/doorkeeper.js';
import { RevocationList } from '../../src/auth/revocation.js';
import { VerifiedTokenCache, type VerifiedToken } from '../../src/auth/token-cache.js';
import { ManualClock } from '../../src/clock.js';
import { verifiedTokenEntry } from '../helpers/verified-token.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const keyOf = (): string => VerifiedTokenCache.keyOf(randomBytes(24).toString('base64url'));

const entry = (): VerifiedToken => verifiedTokenEntry(NOW + 3_600_000);

describe('doorkeeper', () => {
  it('says "not seen" on a first sight and "seen" on the second', () => {
    const door = new Doorkeeper(1000);
    const key = keyOf();
    assert.equal(door.seenBefore(key), false);
    assert.equal(door.seenBefore(key), true);
    assert.equal(door.seenBefore(keyOf()), false, 'another key is not taken for it');
  });

  it('admits almost no key on its first sight (false positives), also for look-alike keys', () => {
    const door = new Doorkeeper(10_000);
    let admittedAtOnce = 0;
    for (let i = 0; i < 20_000; i++) if (door.seenBefore(keyOf())) admittedAtOnce++;
    assert.ok(admittedAtOnce <= 5, `random keys admitted on first sight: ${admittedAtOnce}`);
    let lookAlikes = 0;
    for (let i = 0; i < 20_000; i++) if (door.seenBefore(`token-${i}`)) lookAlikes++;
    assert.ok(lookAlikes <= 5, `keys sharing a prefix admitted on first sight: ${lookAlikes}`);
  });

  it('remembers about as many recent keys as the cache holds: most of 1,000 keys come back admitted', () => {
    const door = new Doorkeeper(1000); // 4,096 slots
    const keys = Array.from({ length: 1000 }, keyOf);
    for (const key of keys) door.seenBefore(key);
    const admitted = keys.filter((key) => door.seenBefore(key)).length;
    // A slot taken by a later key forgets the earlier one (expected ~20 % here): verified once more.
    assert.ok(admitted > 700, `admitted on the second sight: ${admitted}/1000`);
  });
});

describe('verified-token cache admission', () => {
  const cacheWith = (admitOnFirstUse?: boolean): VerifiedTokenCache => {
    const clock = new ManualClock(NOW);
    return new VerifiedTokenCache({
      maxEntries: 100,
      maxTtlMs: 300_000,
      clock,
      revocations: new RevocationList(clock),
      ...(admitOnFirstUse === undefined ? {} : { admitOnFirstUse }),
    });
  };

  it('keeps a token from its second verification on, not its first', () => {
    const cache = cacheWith();
    try {
      const key = keyOf();
      cache.set(key, entry());
      assert.equal(cache.get(key), undefined, 'first verification: not cached');
      assert.equal(cache.size, 0);
      cache.set(key, entry());
      assert.ok(cache.get(key), 'second verification: cached');
      assert.equal(cache.size, 1);
    } finally {
      cache.close();
    }
  });

  it('a flood of 10,000 tokens used once leaves the cache empty and a reused token cached', () => {
    const cache = cacheWith();
    try {
      const hot = keyOf();
      cache.set(hot, entry());
      cache.set(hot, entry());
      for (let i = 0; i < 10_000; i++) cache.set(keyOf(), entry());
      assert.ok(cache.size <= 6, `first-sight tokens cached: ${cache.size - 1}`);
      assert.ok(cache.get(hot), 'the reused token is still cached');
      assert.ok(cache.trackedExpiries <= 6, 'nor does the expiry wheel track them');
    } finally {
      cache.close();
    }
  });

  it('admitOnFirstUse caches on the first verification (the LRU tests use it)', () => {
    const cache = cacheWith(true);
    try {
      const key = keyOf();
      cache.set(key, entry());
      assert.ok(cache.get(key));
    } finally {
      cache.close();
    }
  });
});
