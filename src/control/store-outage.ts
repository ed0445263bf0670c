/**
 * The one mapping of "the state store cannot answer" to an HTTP answer, for every
 * control-plane endpoint (admin API and token service alike): 503 `unavailable` with
 * `Retry-After`, never a 500. Also the answers of a write that committed but that this
 * replica could not apply at once (read-your-writes, see apply-now.ts).
 */
import { GatehouseError } from '../errors.js';
import { StoreNotPersistedError, StoreUnavailableError } from '../store/errors.js';

/** Seconds a client should wait before retrying after a store outage answer. */
export const STORE_RETRY_AFTER_SEC = 5;
const RETRY_AFTER = { 'retry-after': String(STORE_RETRY_AFTER_SEC) };

/**
 * A store outage (down, timed out, closed, a write not confirmed persisted) as 503
 * `unavailable`; undefined for anything else. Store errors are typed by the store layer
 * (BaseStore maps every backend failure, connection errors and timeouts included, to
 * StoreUnavailableError), so this is the only check needed.
 */
export function storeOutageError(err: unknown): GatehouseError | undefined {
  if (!(err instanceof StoreUnavailableError)) return undefined;
  const message =
    err instanceof StoreNotPersistedError
      ? 'The change was written, but the state store did not confirm it is persisted; retry later to confirm it.'
      : 'The state store cannot answer right now; retry later.';
  return new GatehouseError('unavailable', message, { headers: RETRY_AFTER, cause: err });
}

/** A write committed, but this replica could not re-read the store to apply it (503). */
export function storedNotAppliedError(cause: unknown): GatehouseError {
  return new GatehouseError(
    'unavailable',
    'The change was stored, but this replica cannot read the state store right now to apply it; it takes effect once the store is reachable again.',
    { headers: RETRY_AFTER, cause },
  );
}

/** A write committed and was re-read, but this replica refused to rebuild its plan with it (500). */
export function storedNotServedError(cause: unknown): GatehouseError {
  return new GatehouseError(
    'internal_error',
    'The change was stored, but this replica could not rebuild its plan with it; see its logs.',
    { cause },
  );
}
