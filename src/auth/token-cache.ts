import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { RevocationList } from './revocation.js';
import type { Admission, Identity } from './types.js';

/** A token that verified once, with the admission computed for it. */
export interface VerifiedToken {
  /** Which verifier (provider id + config fingerprint) accepted it. */
  readonly verifierKey: string;
  readonly identity: Identity;
  /** Epoch ms: never served after this, whatever the LRU thinks. */
  readonly expiresAt: number;
}

export interface TokenCacheOptions {
  readonly maxEntries: number;
  /** Upper bound on how long a verification is reused, even for long-lived tokens. */
  readonly maxTtlMs: number;
  readonly clock: Clock;
  readonly revocations: RevocationList;
}

/**
 * Verified-token cache: keyed by SHA-256 of the token (the token itself is never kept),
 * bounded in size, entries expire no later than the token's `exp`, and every hit is
 * checked against the revocation list, so a cached token cannot outlive its revocation.
 */
export class VerifiedTokenCache {
  private readonly lru: LRUCache<string, VerifiedToken>;
  private readonly admissions = new WeakMap<VerifiedToken, Admission>();

  constructor(private readonly options: TokenCacheOptions) {
    this.lru = new LRUCache({ max: options.maxEntries, ttlAutopurge: false, allowStale: false });
    // A revocation may concern any cached entry: drop the ones it now covers.
    options.revocations.onChange(() => {
      for (const [key, entry] of this.lru.entries())
        if (options.revocations.isRevoked(entry.identity)) this.lru.delete(key);
    });
  }

  /** SHA-256 of the token (one-shot crypto.hash: about half the cost of createHash on the hot path). */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** A live, unrevoked entry or undefined. */
  get(key: string): VerifiedToken | undefined {
    const entry = this.lru.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.options.clock.now() || this.options.revocations.isRevoked(entry.identity)) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: VerifiedToken): void {
    const ttl = Math.min(entry.expiresAt - this.options.clock.now(), this.options.maxTtlMs);
    if (ttl <= 0) return;
    this.lru.set(key, entry, { ttl });
  }

  /** The admission object for an entry, built once per entry (the hot path allocates nothing). */
  admission(entry: VerifiedToken): Admission {
    let admission = this.admissions.get(entry);
    if (!admission) {
      admission = Object.freeze({ allowed: true, identity: entry.identity });
      this.admissions.set(entry, admission);
    }
    return admission;
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }
}
