/**
 * Request deadlines (`requestTimeoutMs`): one sweep timer for all requests instead of a
 * timer each. A request whose body is still arriving is tracked from the moment it is
 * forwarded; the sweep runs every SWEEP_MS while any is tracked, so a deadline holds
 * within that, and stops when none is left.
 */

/** How often deadlines are checked: a deadline is enforced at most this late. */
export const DEADLINE_SWEEP_MS = 250;

export interface DeadlineEntry {
  /** performance.now() after which the request has run out of time. */
  readonly deadline: number;
  /** The request needs no deadline any more (its body arrived, or it is gone). */
  done(): boolean;
  /** Called once, at the deadline, unless done() said so first. */
  expire(): void;
}

export class RequestDeadlines {
  private readonly entries = new Set<DeadlineEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onError: (err: unknown) => void) {}

  track(entry: DeadlineEntry): void {
    this.entries.add(entry);
    if (!this.timer) {
      this.timer = setInterval(this.sweep, DEADLINE_SWEEP_MS);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private readonly sweep = (): void => {
    const now = performance.now();
    for (const entry of this.entries) {
      if (entry.done()) this.entries.delete(entry);
      else if (entry.deadline <= now) {
        this.entries.delete(entry);
        try {
          entry.expire();
        } catch (err) {
          // One failing request must not stop the sweep for the others.
          this.onError(err);
        }
      }
    }
    if (this.entries.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  };
}
