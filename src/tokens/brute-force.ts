/**
 * Brute-force protection for the password grant and the token endpoints, in the shared
 * store so every replica counts the same attempts.
 *
 * - Password checks (`verifyPassword`): the user name's attempt counter is incremented
 *   atomically (`store.increment`, one fixed window) *before* any hashing, so parallel
 *   guesses cannot all pass a limit checked beforehand: once the count passes
 *   `perUser.maxAttempts` the attempt is answered 429 without hashing. A success forgets
 *   the user's attempts. Hashing itself is bounded per user name and overall
 *   (password-limiter.ts).
 * - Per source address, failures (wrong passwords, invalid refresh tokens and bearers)
 *   are counted after the fact; reaching the limit writes a block document that expires
 *   with the window. A blocked address is answered 429 before any work.
 */
import { sha256Hex } from '../auth/api-key-hash.js';
import type { Clock } from '../clock.js';
import type { TokensConfig } from '../config/schema-tokens.js';
import { GatehouseError } from '../errors.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { Store } from '../store/types.js';
import { PasswordCheckLimiter } from './password-limiter.js';

export const BLOCKS_COLLECTION = 'login-blocks';

export interface AttemptKeys {
  /** The user name tried (hashed into the key: any string is safe). */
  readonly user?: string;
  readonly address?: string;
}

type Limits = TokensConfig['bruteForce'];
type Limit = Limits['perUser'];

/** The store counter of a user name's password attempts (exported for tests). */
export const userAttemptsKey = (user: string): string => `bf:user:${sha256Hex(user).slice(0, 40)}`;
const addressKey = (address: string): string => `bf:addr:${address}`;

function rateLimited(untilMs: number, now: number): GatehouseError {
  const seconds = Math.max(1, Math.ceil((untilMs - now) / 1000));
  return new GatehouseError('rate_limited', 'Too many failed attempts; retry later.', {
    headers: { 'retry-after': String(seconds) },
  });
}

export class BruteForceGuard {
  private readonly limiter: PasswordCheckLimiter;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: () => Limits,
    private readonly metrics: GatehouseMetrics,
  ) {
    this.limiter = new PasswordCheckLimiter(
      () => this.limits().passwordChecks,
      (reason) => this.metrics.passwordAttemptsRefused.inc({ reason }),
    );
  }

  /** Throws 429 `rate_limited` (Retry-After in seconds) when the user or the address is blocked. */
  async check(keys: AttemptKeys): Promise<void> {
    const ids = this.keysOf(keys).map(([key]) => key);
    const blocks = await Promise.all(ids.map((id) => this.store.get(BLOCKS_COLLECTION, id)));
    const now = this.clock.now();
    let until = 0;
    for (const block of blocks) if (block?.expiresAt !== undefined) until = Math.max(until, block.expiresAt);
    if (until > now) {
      this.metrics.passwordAttemptsRefused.inc({ reason: 'locked' });
      throw rateLimited(until, now);
    }
  }

  /**
   * One password check of `user` from `address`. `verify` does the hashing and returns
   * the verdict; it runs only when the address is not blocked, the user name's attempts
   * (this one counted first) are within the limit, and a hashing slot is free. A false
   * verdict counts against the address; a true one forgets the user's attempts.
   */
  async verifyPassword(
    keys: { readonly user: string; readonly address: string },
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    await this.check({ address: keys.address });
    const limit = this.limits().perUser;
    const counter = await this.store.increment(userAttemptsKey(keys.user), limit.windowSec * 1000);
    if (counter.count > limit.maxAttempts) {
      this.metrics.passwordAttemptsRefused.inc({ reason: 'locked' });
      throw rateLimited(counter.resetAt, this.clock.now());
    }
    const release = await this.limiter.acquire(keys.user);
    let verdict: boolean;
    try {
      verdict = await verify();
    } finally {
      release();
    }
    this.metrics.passwordChecks.inc({ result: verdict ? 'match' : 'mismatch' });
    if (verdict) await this.store.resetCounter(userAttemptsKey(keys.user));
    else await this.fail({ address: keys.address });
    return verdict;
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

  private keysOf(keys: AttemptKeys): [string, Limit][] {
    const limits = this.limits();
    const out: [string, Limit][] = [];
    if (keys.user !== undefined) out.push([userAttemptsKey(keys.user), limits.perUser]);
    if (keys.address !== undefined) out.push([addressKey(keys.address), limits.perAddress]);
    return out;
  }
}
