/**
 * The one way into a deployment's gate, for HTTP requests, upgrades and forward-auth
 * decisions alike: `decide` (the gate, or the traffic policy wrapped around it) answers
 * synchronously when it can and with a promise when it must wait; a decision that
 * throws, or whose promise rejects, ends in `failed` (the caller answers 503: fail
 * closed, never "allow"). `then` runs exactly once otherwise, with the decision.
 */
import type { Admission, MaybePromise } from '../auth/types.js';

export function admit(
  decide: () => MaybePromise<Admission>,
  then: (admission: Admission) => void,
  failed: (err: unknown) => void,
): void {
  let admission: MaybePromise<Admission>;
  try {
    admission = decide();
  } catch (err) {
    failed(err);
    return;
  }
  if (admission instanceof Promise) admission.then(then, failed);
  else then(admission);
}
