/**
 * What rebuilds the plan, wired in one place: a change of the configuration file
 * (watched, debounced) re-reads it; a control-plane change (another replica's write or
 * this one's, seen by ControlState) rebuilds with the new snapshot. SIGHUP and the
 * `reload()` API call PlanApplier.reload directly. Every trigger goes through the
 * applier's one queue.
 */
import type { ControlSnapshot, ControlState } from '../control/state.js';
import type { PlanApplier } from './applier.js';
import { watchConfigFile } from './watch.js';

export interface PlanTriggers {
  readonly state: ControlState;
  /** The snapshot the first plan was compiled from. */
  readonly initial: ControlSnapshot;
  /** Watch the file (server.reload.watch), or not. */
  readonly watch: { readonly path: string; readonly debounceMs: number } | undefined;
  /** True once shutdown has begun: file events are ignored. */
  isStopping(): boolean;
}

/** Starts following the triggers; returns the function that stops. */
export function followPlanTriggers(applier: PlanApplier, triggers: PlanTriggers): () => void {
  const { state, initial, watch } = triggers;
  // Awaited by the state's re-read: a write's answer waits for the rebuilt plan.
  const stopFollowingState = state.onChange(async (snapshot) => {
    const rebuilt = await applier.rebuild(snapshot, 'control-plane change');
    if (!rebuilt.ok) throw new Error(rebuilt.error);
  });
  if (state.snapshot !== initial) void applier.rebuild(state.snapshot, 'control-plane change');
  const stopWatching = watch
    ? watchConfigFile(watch.path, watch.debounceMs, () => {
        if (!triggers.isStopping()) void applier.reload('file change');
      })
    : undefined;
  return () => {
    stopFollowingState();
    stopWatching?.();
  };
}
