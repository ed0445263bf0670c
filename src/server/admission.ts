/**
 * The one way into a deployment's gate, for HTTP requests and upgrades alike: the gate
 * answers synchronously when it can and with a promise when it must wait; a gate that
 * throws, or whose promise rejects, ends in `failed` (the caller answers 503: fail
 * closed, never "allow"). `then` runs exactly once otherwise, with the gate's decision.
 */
import type { IncomingMessage } from 'node:http';
import type { Admission, MaybePromise } from '../auth/types.js';

/** A gate, or the traffic policy wrapped around one (server/data-plane.ts). */
export interface Admitter {
  admit(req: IncomingMessage): MaybePromise<Admission>;
}

export function admit(
  gate: Admitter,
  req: IncomingMessage,
  then: (admission: Admission) => void,
  failed: (err: unknown) => void,
): void {
  let admission: MaybePromise<Admission>;
  try {
    admission = gate.admit(req);
  } catch (err) {
    failed(err);
    return;
  }
  if (admission instanceof Promise) admission.then(then, failed);
  else then(admission);
}
