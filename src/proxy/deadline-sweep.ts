/**
 * Every deadline of the data plane on one timer: request bodies (`requestTimeoutMs`,
 * proxied-request.ts) and upstream exchanges (`timeouts.responseMs` and `idleMs`,
 * relay-base.ts). A timer per request costs an allocation per request, and worse, it
 * keeps that object alive for the timer's life: undici's own per-request timers (it
 * swaps a timer object whenever the response and idle timeouts differ) outlived a
 * young-generation collection on every request, were promoted, and made the major
 * collections that stalled the event loop for tens of milliseconds under load. Here a
 * request costs one slot in an array, given back when it finishes.
 *
 * Not a Set: a Set that sees an add and a delete per request rehashes into a new table
 * every few dozen requests, and V8 links each obsolete table to its successor (for live
 * iterators). Once one of them is promoted, every later table is kept alive through that
 * chain until the next major GC: measured, 1.7 MB promoted per scavenge instead of 26 KB.
 * A swap-remove array allocates nothing per request.
 *
 * The sweep runs every DEADLINE_SWEEP_MS while anything is tracked, so a deadline holds
 * within that, and stops once nothing is left.
 */

/** How often deadlines are checked: a deadline is enforced at most this late. */
export const DEADLINE_SWEEP_MS = 250;

/** Something with a deadline. */
export interface Timed {
  /**
   * Called by every sweep with performance.now(). Returns true when the entry is
   * finished (done, or out of time and handled now) and leaves the sweep.
   */
  checkDeadline(now: number): boolean;
  /** Where the sweep keeps the entry (-1: not tracked). Set by the sweep only; start at -1. */
  sweepSlot: number;
}

export class DeadlineSweep {
  private readonly entries: Timed[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onError: (err: unknown) => void) {}

  track(entry: Timed): void {
    if (entry.sweepSlot >= 0) return;
    entry.sweepSlot = this.entries.length;
    this.entries.push(entry);
    if (!this.timer) {
      this.timer = setInterval(this.sweep, DEADLINE_SWEEP_MS);
      this.timer.unref();
    }
  }

  /** The entry finished: forget it now rather than at the next sweep, so it is not kept alive. */
  untrack(entry: Timed): void {
    const slot = entry.sweepSlot;
    const entries = this.entries;
    if (slot < 0 || entries[slot] !== entry) return;
    entry.sweepSlot = -1;
    const last = entries.pop() as Timed;
    if (last !== entry) {
      entries[slot] = last;
      last.sweepSlot = slot;
    }
  }

  get size(): number {
    return this.entries.length;
  }

  private readonly sweep = (): void => {
    const now = performance.now();
    const entries = this.entries;
    // Backwards: an entry leaving (here, or from inside a check) is replaced by the last
    // one, which this loop has already seen; at worst an entry is checked twice.
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry === undefined) continue;
      let finished = true;
      try {
        finished = entry.checkDeadline(now);
      } catch (err) {
        // One failing entry must not stop the sweep for the others.
        this.onError(err);
      }
      if (finished) this.untrack(entry);
    }
    if (entries.length === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  };
}
