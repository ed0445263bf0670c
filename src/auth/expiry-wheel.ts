/**
 * Which keys expire when, in fixed time slots, so that expired cache entries can be
 * dropped by a timer at a cost proportional to what expires. (lru-cache's purgeStale()
 * walks every entry, about 15-20 ms per 100k entries here: a stall on the event loop;
 * its ttlAutopurge sets one timer per entry: about 255 more bytes per entry and 2-3x the
 * cost of set(), measured with lru-cache 11.)
 *
 * A key may sit in several slots (set again later); the owner decides, per key handed
 * back, whether it really expired.
 */
export class ExpiryWheel<K> {
  private readonly slots = new Map<number, K[]>();
  /** The first slot not swept yet. */
  private next: number;
  /** Keys held, counting a key once per add(). */
  private held = 0;

  constructor(
    now: number,
    private readonly slotMs = 1000,
  ) {
    this.next = Math.floor(now / slotMs);
  }

  /** Remembers that `key` expires at `expiresAt` (ms, same time base as sweep's `now`). */
  add(key: K, expiresAt: number): void {
    const slot = Math.max(Math.ceil(expiresAt / this.slotMs), this.next);
    const keys = this.slots.get(slot);
    if (keys) keys.push(key);
    else this.slots.set(slot, [key]);
    this.held++;
  }

  /** Keys held (a key added twice counts twice), expired or not. */
  get size(): number {
    return this.held;
  }

  /** Forgets every key (the owner re-adds the live ones). */
  clear(): void {
    this.slots.clear();
    this.held = 0;
  }

  /** Hands every key whose slot has passed to `expired`, and forgets it. */
  sweep(now: number, expired: (key: K) => void): void {
    const current = Math.floor(now / this.slotMs);
    if (current < this.next) return;
    const due: number[] = [];
    if (current - this.next >= this.slots.size) {
      // More steps than slots (a long pause, a clock moved by hand): visit the slots.
      for (const slot of this.slots.keys()) if (slot <= current) due.push(slot);
    } else {
      for (let slot = this.next; slot <= current; slot++) if (this.slots.has(slot)) due.push(slot);
    }
    // Keys added again while expiring (add() clamps to `next`) land in a later slot.
    this.next = current + 1;
    for (const slot of due) {
      const keys = this.slots.get(slot) as K[];
      this.slots.delete(slot);
      this.held -= keys.length;
      for (const key of keys) expired(key);
    }
  }
}
