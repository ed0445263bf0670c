/**
 * Read-your-writes for control-plane writes: after a commit, the answering replica
 * waits for a re-read of the store that *started after* the commit and for its plan
 * rebuilt from it, so a 2xx means "this replica already serves the change" (a deleted
 * API key is refused). If the re-read keeps failing for `timeoutMs` (it is retried with
 * backoff meanwhile), the answer is 503 saying the change is stored and applies once
 * the store is reachable; the re-read goes on in the background.
 */
import type { ControlState } from './state.js';
import { storedNotAppliedError, storedNotServedError } from './store-outage.js';

/** How long a write's answer waits for its own re-read, retries included. */
export const READ_YOUR_WRITES_TIMEOUT_MS = 3000;

export async function applyOwnWrite(
  state: ControlState,
  timeoutMs = READ_YOUR_WRITES_TIMEOUT_MS,
): Promise<void> {
  let failures: readonly unknown[];
  try {
    ({ failures } = await state.readAfterNow(timeoutMs));
  } catch (err) {
    throw storedNotAppliedError(err);
  }
  if (failures.length > 0) throw storedNotServedError(failures[0]);
}
