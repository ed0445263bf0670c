/**
 * The verified-token cache shared by every deployment: token hash → the identity a
 * verification produced, so a token seen before is admitted from memory.
 *
 * Memory is bounded by traffic, not by the LRU alone: every entry lives at most
 * min(token exp, maxTtl) and an unref'd one-second sweep drops expired entries, so the
 * cache holds about (new tokens per second) x (maxTtl + 1 s) entries, capped by
 * `maxEntries`. Time is the injected clock (lru-cache's `perf` too).
 *
 * A token is cached on its second verification, not its first (doorkeeper.ts): a flood
 * of tokens used once never enters the cache. Two LRU segments (segmented LRU): a new
 * entry goes to `probation` (a quarter of maxEntries); its first hit moves it to
 * `protected`, so first-timers only ever evict other first-timers, never the tokens
 * clients keep reusing.
 *
 * A hit costs a map lookup and three checks, never an allocation: not expired, the key
 * that verified the token still alive (key-life.ts: a JWKS refresh that dropped it or a
 * reload that replaced it retires it), and not revoked.
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { AuthnResult } from './authenticator.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { Doorkeeper } from './doorkeeper.js';
import { ExpiryWheel } from './expiry-wheel.js';
import type { KeyLife } from './jwt/key-life.js';
import type { RevocationList } from './revocation.js';
import type { Identity } from './types.js';

/** A token that verified once, with the admission computed for it. */
export interface VerifiedToken {
  /** Which verifier (provider id + config fingerprint) accepted it. */
  readonly verifierKey: string;
  readonly identity: Identity;
  /** Epoch ms: never served after this, whatever the LRU thinks. */
  readonly expiresAt: number;
  /** The key that verified the signature: once it is retired the entry is dead. */
  readonly key: Pick<KeyLife, 'alive'>;
  /** The authenticator's answer for a hit, built once with the entry (a hit allocates nothing). */
  readonly result: AuthnResult;
}

export interface TokenCacheOptions {
  readonly maxEntries: number;
  /** Upper bound on how long a verification is reused, even for long-lived tokens. */
  readonly maxTtlMs: number;
  readonly clock: Clock;
  readonly revocations: RevocationList;
  /** Exports the entry count as `gatehouse_token_cache_entries`. */
  readonly metrics?: GatehouseMetrics;
  /** Cache a token on its first verification (no doorkeeper): for tests of the LRU itself. */
  readonly admitOnFirstUse?: boolean;
}

/** How often expired entries are swept out. */
const SWEEP_MS = 1000;
/** Share of maxEntries for entries not hit yet. */
const PROBATION_SHARE = 0.25;

type Segment = LRUCache<string, VerifiedToken>;

function segment(max: number, clock: Clock): Segment {
  return new LRUCache({ max, ttlAutopurge: false, allowStale: false, perf: clock });
}

export class VerifiedTokenCache {
  private readonly probation: Segment;
  private readonly protected: Segment;
  private readonly expiries: ExpiryWheel<string>;
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly wheelLimit: number;
  private readonly doorkeeper: Doorkeeper | undefined;

  constructor(private readonly options: TokenCacheOptions) {
    const { clock, revocations, maxEntries } = options;
    const probationMax = Math.max(1, Math.floor(maxEntries * PROBATION_SHARE));
    this.probation = segment(probationMax, clock);
    this.protected = segment(Math.max(1, maxEntries - probationMax), clock);
    this.expiries = new ExpiryWheel(clock.now(), SWEEP_MS);
    this.wheelLimit = 2 * maxEntries + 1024;
    this.doorkeeper = options.admitOnFirstUse ? undefined : new Doorkeeper(maxEntries);
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    // A revocation may concern any cached entry: drop the ones it now covers.
    this.unsubscribe = revocations.onChange(() => {
      for (const lru of [this.probation, this.protected])
        for (const [key, entry] of lru.entries()) if (revocations.isRevoked(entry.identity)) lru.delete(key);
    });
    options.metrics?.setTokenCacheSource(() => this.size);
  }

  /** SHA-256 of the token (one-shot crypto.hash: about half the cost of createHash on the hot path). */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** A live, unrevoked entry verified by a key still trusted, or undefined. */
  get(key: string): VerifiedToken | undefined {
    const entry = this.protected.get(key) ?? this.promote(key);
    if (!entry) return undefined;
    if (
      entry.expiresAt <= this.options.clock.now() ||
      !entry.key.alive ||
      this.options.revocations.isRevoked(entry.identity)
    ) {
      this.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Caches the entry; false when it was not (seen for the first time, expiring, key retired). */
  set(key: string, entry: VerifiedToken): boolean {
    const now = this.options.clock.now();
    const ttl = Math.min(entry.expiresAt - now, this.options.maxTtlMs);
    if (ttl <= 0 || !entry.key.alive) return false;
    if (this.protected.has(key)) this.protected.set(key, entry, { ttl });
    else if (this.probation.has(key) || (this.doorkeeper?.seenBefore(key) ?? true))
      this.probation.set(key, entry, { ttl });
    else return false; // first sight: remembered by the doorkeeper, cached if it comes back
    this.expiries.add(key, now + ttl);
    if (this.expiries.size > this.wheelLimit) this.rebuildExpiries(now);
    return true;
  }

  delete(key: string): void {
    this.probation.delete(key);
    this.protected.delete(key);
  }

  /** Entries held, including expired ones the next sweep (within a second) drops. */
  get size(): number {
    return this.probation.size + this.protected.size;
  }

  /** Keys the expiry sweep still tracks (also of entries evicted since): bounded by about 2 x maxEntries. */
  get trackedExpiries(): number {
    return this.expiries.size;
  }

  clear(): void {
    this.probation.clear();
    this.protected.clear();
    this.doorkeeper?.clear();
  }

  /** Stops the sweep timer and the revocation subscription. */
  close(): void {
    clearInterval(this.sweeper);
    this.unsubscribe();
    this.clear();
  }

  /** A probation entry's first hit: it moves to the protected segment with the time it has left. */
  private promote(key: string): VerifiedToken | undefined {
    const entry = this.probation.get(key);
    if (!entry) return undefined;
    const ttl = this.probation.getRemainingTTL(key);
    this.probation.delete(key);
    if (ttl > 0) this.protected.set(key, entry, { ttl });
    return entry;
  }

  /**
   * The wheel keeps the key of every entry set until its time is up, also of entries the
   * LRU has evicted since: under a flood of tokens used once (new tokens/s x maxTtl keys,
   * e.g. 3 million at 10,000/s and 300 s) that would outgrow the cache itself. Past twice
   * maxEntries it is rebuilt from the entries still held: amortised, one re-add per set().
   */
  private rebuildExpiries(now: number): void {
    this.expiries.clear();
    for (const lru of [this.probation, this.protected])
      for (const key of lru.keys()) {
        const remaining = lru.getRemainingTTL(key);
        if (remaining > 0 && remaining !== Number.POSITIVE_INFINITY) this.expiries.add(key, now + remaining);
      }
  }

  /** Drops the entries whose time is up (an entry set again later is re-filed). */
  private sweep(): void {
    const now = this.options.clock.now();
    this.expiries.sweep(now, (key) => {
      const remaining = Math.max(this.probation.getRemainingTTL(key), this.protected.getRemainingTTL(key));
      if (remaining <= 0) this.delete(key);
      else if (remaining !== Number.POSITIVE_INFINITY) this.expiries.add(key, now + remaining);
    });
  }
}
