/** The admin API's refusals, built in one place so messages stay uniform. */
import { GatehouseError } from '../../errors.js';
import { storeOutageError } from '../store-outage.js';
import { isStoreError, StoreConflictError, StoreNotFoundError } from '../../store/errors.js';
import type { Decision } from '../permissions.js';

/**
 * 404 for an object the caller may not see: the answer is the same as for a missing
 * object (existence does not leak), but the audit log records it as `denied`.
 */
export class HiddenError extends GatehouseError {
  constructor(kind: string, id: string) {
    super('not_found', `No ${kind} "${id}".`);
  }
}

export function notFound(kind: string, id: string): GatehouseError {
  return new GatehouseError('not_found', `No ${kind} "${id}".`);
}

export function readOnly(kind: string, id: string): GatehouseError {
  return new GatehouseError(
    'conflict',
    `The ${kind} "${id}" is declared in the configuration file; read-only through the API.`,
  );
}

export function duplicate(kind: string, id: string): GatehouseError {
  return new GatehouseError('conflict', `A ${kind} with id "${id}" already exists.`);
}

export function forbidden(decision: Decision & { allowed: false }): GatehouseError {
  return new GatehouseError('forbidden', `Not allowed: ${decision.missing}.`);
}

export function concurrentChange(): GatehouseError {
  return new GatehouseError('conflict', 'The object changed concurrently; retry the request.');
}

/**
 * Store failures that reach a handler: an outage → 503 (the admin listener's one mapping,
 * storeOutageError), a lost race → 409; anything else stays internal.
 */
export function fromStoreError(err: unknown): unknown {
  if (err instanceof GatehouseError || !isStoreError(err)) return err;
  const outage = storeOutageError(err);
  if (outage) return outage;
  if (err instanceof StoreConflictError) return concurrentChange();
  if (err instanceof StoreNotFoundError)
    return new GatehouseError('conflict', 'The object changed concurrently; retry the request.');
  return err;
}

/**
 * Runs a read-check-write sequence again when a revision check failed (another writer
 * got there first): the next attempt re-reads and re-validates. Gives up with 409.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await attempt();
    } catch (err) {
      const retriable =
        (err instanceof StoreConflictError && err.reason === 'revision') || err instanceof StoreNotFoundError;
      if (!retriable) throw err;
      if (i >= attempts) throw concurrentChange();
      await new Promise((resolve) => setTimeout(resolve, 5 * i));
    }
  }
}
