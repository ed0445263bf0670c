/**
 * Turning Redis replies into store values, and Redis failures into store errors;
 * anything unexpected is a backend error.
 */
import { StoreError, StoreUnavailableError } from './errors.js';
import { isReplyError } from './redis-client.js';
import type * as T from './types.js';

type Fields = readonly (string | null)[];

export function strings(reply: unknown): (string | null)[] {
  if (!Array.isArray(reply)) throw new StoreError('backend', 'Redis answered an unexpected reply');
  return (reply as unknown[]).map((v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw new StoreError('backend', 'Redis answered an unexpected reply');
  });
}

/** Fields v, r, c, u, e → a live document, or undefined when absent or expired. */
export function parseDocument(id: string, f: Fields, now: number): T.StoredDocument | undefined {
  const [value, revision, createdAt, updatedAt, expiresAt] = f;
  if (value == null || revision == null || createdAt == null || updatedAt == null) return undefined;
  if (expiresAt != null && Number(expiresAt) <= now) return undefined;
  const doc = {
    id,
    value: JSON.parse(value) as T.JsonValue,
    revision: Number(revision),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
  };
  return expiresAt == null ? doc : { ...doc, expiresAt: Number(expiresAt) };
}

/** Error replies that mean "cannot answer now" (fail closed, 503) rather than a bad command. */
const UNAVAILABLE_REPLY =
  /^(OOM|READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOAUTH|WRONGPASS|BUSY|NOREPLICAS)/;

/** A Redis failure → StoreUnavailableError (connection, timeout, those replies) or a backend error. */
export function toStoreError(err: unknown): StoreError {
  const message = err instanceof Error ? err.message : String(err);
  if (isReplyError(err) && !UNAVAILABLE_REPLY.test(message))
    return new StoreError('backend', `Redis answered an error (${message.split(' ')[0] ?? ''})`, {
      cause: err,
    });
  return new StoreUnavailableError(`Redis cannot answer (${message})`, { cause: err });
}
