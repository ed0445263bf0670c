/**
 * Bounds concurrent password hashing on this replica, so a burst of guesses cannot pin
 * the CPU (each scrypt check costs ~50-100 ms and 32 MiB): at most `perUser` checks of
 * one user name run at once (more are refused at once, 429), at most `concurrent` run
 * in all, and at most `queue` wait for a slot in arrival order (more are refused at
 * once, 503). Unknown user names are limited the same way as known ones.
 */
import { availableParallelism } from 'node:os';
import { GatehouseError } from '../errors.js';

export interface PasswordCheckLimits {
  readonly perUser: number;
  /** Absent: twice the CPU cores. */
  readonly concurrent?: number | undefined;
  readonly queue: number;
}

export type LimiterRefusal = 'busy' | 'overloaded';

export class PasswordCheckLimiter {
  private running = 0;
  private readonly perKey = new Map<string, number>();
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limits: () => PasswordCheckLimits,
    private readonly onRefusal: (reason: LimiterRefusal) => void = () => undefined,
  ) {}

  /**
   * Waits for a slot to check a password of `key` (the user name) and returns its
   * release function, to be called once the check is over; or throws 429 `rate_limited`
   * (this user name already has its checks running) or 503 `unavailable` (queue full).
   */
  async acquire(key: string): Promise<() => void> {
    const limits = this.limits();
    const mine = this.perKey.get(key) ?? 0;
    if (mine >= limits.perUser) {
      this.onRefusal('busy');
      throw new GatehouseError('rate_limited', 'A password check for this user is already running; retry.', {
        headers: { 'retry-after': '1' },
      });
    }
    const max = limits.concurrent ?? 2 * availableParallelism();
    if (this.running >= max && this.waiting.length >= limits.queue) {
      this.onRefusal('overloaded');
      throw new GatehouseError('unavailable', 'Too many password checks are waiting; retry later.', {
        headers: { 'retry-after': '1' },
      });
    }
    this.perKey.set(key, mine + 1);
    if (this.running < max) this.running++;
    // A releasing check hands its slot over: `running` stays counted for us.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }

  /** Checks running and waiting now (for tests and diagnostics). */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
