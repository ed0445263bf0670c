/**
 * Optimistic concurrency for the admin API (RFC 9110 section 13.1.1, as Kubernetes'
 * resourceVersion): every single-object read and every write answer carries a strong
 * `ETag` built from the store revision, and `If-Match` on an update or delete is checked
 * against the revision the write is made at, so check and write are one compare-and-set.
 */
import { createHash } from 'node:crypto';
import { GatehouseError } from '../../errors.js';

/** What `If-Match` asked for: any existing object, or one of these entity tags. */
export type Precondition = { readonly any: true } | { readonly any: false; readonly tags: readonly string[] };

/** The store facts an ETag is made of: a recreated object starts at revision 1 again, hence `createdAt`. */
export interface Versioned {
  readonly revision: number;
  readonly createdAt: number;
}

/** `"<revision>-<createdAt base 36>"` for a stored object. */
export function etagOf(stored: Versioned): string {
  return `"${stored.revision}-${stored.createdAt.toString(36)}"`;
}

/** Objects of the configuration file have no revision: their ETag is a digest of their content. */
export function contentEtag(value: unknown): string {
  return `"c-${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22)}"`;
}

const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Parses `If-Match`: `*` or a comma-separated list of entity tags. Absent: undefined
 * (the write proceeds unconditionally). Malformed: 400 naming the header.
 */
export function parseIfMatch(header: string | undefined): Precondition | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return { any: true };
  const tags = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tags.length === 0 || !tags.every((t) => ENTITY_TAG.test(t)))
    throw new GatehouseError('bad_request', 'If-Match must be "*" or a list of entity tags ("...").', {
      details: [{ path: 'If-Match', message: 'not "*" or a list of quoted entity tags' }],
    });
  // Strong comparison: a weak tag never matches.
  return { any: false, tags: tags.filter((t) => !t.startsWith('W/')) };
}

/** 412 unless the object's current ETag satisfies the precondition (no precondition: always). */
export function checkPrecondition(
  precondition: Precondition | undefined,
  currentEtag: string,
  what: string,
): void {
  if (precondition === undefined || precondition.any) return;
  if (!precondition.tags.includes(currentEtag))
    throw new GatehouseError(
      'precondition_failed',
      `The ${what} changed since it was read: its ETag is now ${currentEtag}. Read it again and retry.`,
      { headers: { etag: currentEtag } },
    );
}

/** The ETag of a catalogue entry: its store revision, or its content when the file declares it. */
export function entryEtag(entry: {
  readonly value: unknown;
  readonly stored?: Versioned | undefined;
}): string {
  return entry.stored ? etagOf(entry.stored) : contentEtag(entry.value);
}
