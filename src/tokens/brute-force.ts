/**
 * Brute-force protection for the password grant and the token endpoints, in the shared
 * store so every replica counts the same failures. Failures are counted per user name
 * and per source address in fixed windows (`store.increment`); reaching the limit
 * writes a block document that expires with the window. A blocked caller is answered
 * 429 with Retry-After before any password is checked, so blocked attempts cost no scrypt.
 */
import { sha256Hex } from '../auth/api-key-hash.js';
import type { Clock } from '../clock.js';
import type { TokensConfig } from '../config/schema-tokens.js';
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/types.js';

export const BLOCKS_COLLECTION = 'login-blocks';

export interface AttemptKeys {
  /** The user name tried (hashed into the key: any string is safe). */
  readonly user?: string;
  readonly address?: string;
}

type Limits = TokensConfig['bruteForce'];

const userKey = (user: string): string => `bf:user:${sha256Hex(user).slice(0, 40)}`;
const addressKey = (address: string): string => `bf:addr:${address}`;

export class BruteForceGuard {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: () => Limits,
  ) {}

  /** Throws 429 `rate_limited` (Retry-After in seconds) when the user or the address is blocked. */
  async check(keys: AttemptKeys): Promise<void> {
    const ids = this.keysOf(keys).map(([key]) => key);
    const blocks = await Promise.all(ids.map((id) => this.store.get(BLOCKS_COLLECTION, id)));
    const now = this.clock.now();
    let until = 0;
    for (const block of blocks) if (block?.expiresAt !== undefined) until = Math.max(until, block.expiresAt);
    if (until > now) {
      const seconds = Math.max(1, Math.ceil((until - now) / 1000));
      throw new GatehouseError('rate_limited', 'Too many failed attempts; retry later.', {
        headers: { 'retry-after': String(seconds) },
      });
    }
  }

  /** Counts one failure for each key; a key reaching its limit is blocked until its window ends. */
  async fail(keys: AttemptKeys): Promise<void> {
    await Promise.all(
      this.keysOf(keys).map(async ([key, limit]) => {
        const counter = await this.store.increment(key, limit.windowSec * 1000);
        if (counter.count < limit.maxAttempts) return;
        const ttlMs = counter.resetAt - this.clock.now();
        if (ttlMs > 0) await this.store.put(BLOCKS_COLLECTION, key, { blocked: true }, { ttlMs });
      }),
    );
  }

  /** A successful login forgets the user's failures (the address keeps its count). */
  async succeed(user: string): Promise<void> {
    await this.store.resetCounter(userKey(user));
  }

  private keysOf(keys: AttemptKeys): [string, Limits['perUser']][] {
    const limits = this.limits();
    const out: [string, Limits['perUser']][] = [];
    if (keys.user !== undefined) out.push([userKey(keys.user), limits.perUser]);
    if (keys.address !== undefined) out.push([addressKey(keys.address), limits.perAddress]);
    return out;
  }
}
