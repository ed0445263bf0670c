/**
 * Turning Redis replies into store values; anything unexpected is a backend error.
 */
import { StoreError } from './errors.js';
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
