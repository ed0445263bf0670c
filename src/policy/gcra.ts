/**
 * The generic cell rate algorithm (GCRA), in process: per key, the theoretical arrival
 * time (TAT) of the next request. A request is allowed when, after adding one emission
 * interval, TAT is at most `burst` intervals ahead of now. Several limits of one
 * request are decided together: all allow and all are charged, or none is charged.
 * Refused requests are not charged, so a client that keeps retrying early gets back in
 * as soon as the rate allows. A clock stepping back never lengthens a wait beyond a full
 * bucket's. The Redis script (redis-gcra.ts) is the same algorithm.
 */
import { LRUCache } from 'lru-cache';
import type { GcraRate } from './rate-spec.js';

export interface GcraHit {
  /** Unique across deployments and limits. */
  readonly key: string;
  readonly rate: GcraRate;
}

/** Per hit, in ms: >= 0 → allowed, TAT ahead of now after this request; < 0 → refused, retry after -value. */
export type GcraOutcome = readonly number[];

/**
 * Decides `hits` against `tats` (current TAT per hit, 0 when none); returns outcomes and
 * the new TATs: `next` to store when allowed; `rebased` (per hit, when its TAT was
 * clamped) to store even when refused.
 */
export function decide(
  hits: readonly GcraHit[],
  tats: readonly number[],
  now: number,
): { outcome: GcraOutcome; next: number[]; rebased: (number | undefined)[]; allowed: boolean } {
  const outcome: number[] = [];
  const next: number[] = [];
  const rebased: (number | undefined)[] = [];
  let allowed = true;
  for (let i = 0; i < hits.length; i++) {
    const { intervalMs, burst } = (hits[i] as GcraHit).rate;
    const tolerance = burst * intervalMs;
    const current = Math.max(tats[i] ?? 0, now);
    // A TAT more than `tolerance` ahead only comes from a clock that stepped back: it
    // counts as an empty bucket now (and is stored so, refused or not), never as a wait
    // longer than the one a full burst earns.
    const base = Math.min(current, now + tolerance);
    rebased.push(base < current ? base : undefined);
    const tat = base + intervalMs;
    const ahead = tat - now;
    if (ahead > tolerance + 1e-9) {
      allowed = false;
      outcome.push(-(ahead - tolerance));
    } else outcome.push(ahead);
    next.push(tat);
  }
  return { outcome, next, rebased, allowed };
}

/** GCRA state in this process, bounded: an evicted key starts afresh (at most one extra burst). */
export class LocalGcra {
  private readonly tats: LRUCache<string, number>;

  constructor(maxKeys = 100_000) {
    this.tats = new LRUCache({ max: maxKeys });
  }

  check(hits: readonly GcraHit[], now: number): GcraOutcome {
    const tats = hits.map((h) => this.tats.get(h.key) ?? 0);
    const { outcome, next, rebased, allowed } = decide(hits, tats, now);
    for (let i = 0; i < hits.length; i++) {
      const tat = allowed ? next[i] : rebased[i];
      if (tat !== undefined) this.tats.set((hits[i] as GcraHit).key, tat);
    }
    return outcome;
  }
}
