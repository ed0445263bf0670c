/**
 * Pagination of list endpoints: `?limit=` (1..200, default 50) and `?cursor=` (opaque,
 * from the previous page's `next`). Items are ordered by a key (the id); a cursor holds
 * the last key returned, so pages stay stable while objects are added or removed.
 */
import { z } from 'zod';
import { GatehouseError } from '../../errors.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export const pageQueryShape = {
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .describe(`Items per page, 1..${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`),
  cursor: z.string().min(1).max(1000).optional().describe('The `next` value of the previous page.'),
};

export const pageQuerySchema = z.strictObject(pageQueryShape);
export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface PageOf<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'k' in parsed && typeof parsed.k === 'string')
      return parsed.k;
  } catch {
    // fall through
  }
  throw new GatehouseError(
    'bad_request',
    'The cursor is not valid; pass the `next` value of a previous page.',
    {
      details: [{ path: 'cursor', message: 'not a cursor this API issued' }],
    },
  );
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One page of `items` (any order) by `key`, starting after the cursor. */
export function paginate<T>(items: readonly T[], key: (item: T) => string, query: PageQuery): PageOf<T> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const sorted = [...items].sort((a, b) => byKey(key(a), key(b)));
  const start = after === undefined ? 0 : sorted.findIndex((item) => key(item) > after);
  const rest = start === -1 ? [] : sorted.slice(start);
  const page = rest.slice(0, query.limit);
  const last = page[page.length - 1];
  return { items: page, next: rest.length > query.limit && last ? encodeCursor(key(last)) : null };
}
