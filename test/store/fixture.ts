/**
 * What the store contract needs from a backend: a manual clock and a way to open
 * several store instances on the same backend (same shared memory, SQLite file or
 * Redis server and prefix), plus an optional outage switch.
 */
import type { ManualClock } from '../../src/clock.js';
import type { Store } from '../../src/store/types.js';

export interface StoreFixture {
  readonly clock: ManualClock;
  /** A new store instance on the same backend, sharing `clock`. */
  open(): Promise<Store>;
  /** Makes the backend unreachable, then brings it back (for the health contract). */
  readonly outage?: { begin(): Promise<void>; end(): Promise<void> };
  /** Closes every store this fixture opened and frees the backend. */
  cleanup(): Promise<void>;
}

export type FixtureFactory = () => Promise<StoreFixture>;

/** Runs `body` with a fresh fixture and its first store, cleaning up even on failure. */
export async function withStore(
  make: FixtureFactory,
  body: (store: Store, fixture: StoreFixture) => Promise<void>,
): Promise<void> {
  const fixture = await make();
  try {
    await body(await fixture.open(), fixture);
  } finally {
    await fixture.cleanup();
  }
}

/** Tracks stores so cleanup can close them all. */
export class StoreSet {
  private readonly stores: Store[] = [];
  add<S extends Store>(store: S): S {
    this.stores.push(store);
    return store;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((s) => s.close().catch(() => undefined)));
  }
}
