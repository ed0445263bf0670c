/**
 * Turns of the event loop given back during a long configuration job (a reload of
 * 10,000 deployments): `setImmediate`, so timers, sockets and the running plan's
 * requests are served between two slices.
 */
import { channel } from 'node:diagnostics_channel';

/**
 * Items handled between two yields. A slice of deployments (read, validated or compiled)
 * takes a few milliseconds (10,000 deployments on a busy 2-core machine: 125 per slice
 * left the longest stall to GC pauses), far under the 50 ms a reload may hold the loop.
 */
export const CONFIG_SLICE = 125;

/** The step of a reload that yields: reading the YAML, validating it, compiling the plan. */
export type ReloadPhase = 'read' | 'validate' | 'compile';

/**
 * Published with `{ phase }` at every yield (node:diagnostics_channel; free when nobody
 * subscribes): how a test or an operator's tooling sees that a reload gave the event
 * loop back, without timing it.
 */
export const RELOAD_YIELD_CHANNEL = 'gatehouse:reload:yield';
const yields = channel(RELOAD_YIELD_CHANNEL);

export function yieldToEventLoop(phase: ReloadPhase): Promise<void> {
  if (yields.hasSubscribers) yields.publish({ phase });
  return new Promise((resolve) => setImmediate(resolve));
}
