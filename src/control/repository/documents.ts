/**
 * Typed access to the control plane's store documents: every read is validated with the
 * record schema (a corrupt document reads as absent and is logged), and every write
 * goes through `commit`, which announces the change on the `control` channel in the
 * same transaction and then rebuilds this replica's plan.
 */
import type { z } from 'zod';
import type { Logger } from '../../observability/log.js';
import type { Store, WriteOp, WriteResult } from '../../store/types.js';
import { CONTROL_CHANNEL } from '../model.js';

export interface Stored<T> {
  readonly value: T;
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export async function getDoc<T>(
  store: Store,
  collection: string,
  id: string,
  schema: z.ZodType<T>,
  logger?: Logger,
): Promise<Stored<T> | undefined> {
  const doc = await store.get(collection, id);
  if (!doc) return undefined;
  const parsed = schema.safeParse(doc.value);
  if (!parsed.success) {
    logger?.error({ collection, id }, 'an invalid stored object reads as absent');
    return undefined;
  }
  return { value: parsed.data, revision: doc.revision, createdAt: doc.createdAt, updatedAt: doc.updatedAt };
}

/** Every valid document of a collection (optionally with ids starting with `prefix`), by id. */
export async function listDocs<T>(
  store: Store,
  collection: string,
  schema: z.ZodType<T>,
  options: { prefix?: string; logger?: Logger } = {},
): Promise<Stored<T>[]> {
  const out: Stored<T>[] = [];
  let after: string | undefined;
  do {
    const page = await store.list(collection, {
      limit: 1000,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(after === undefined ? {} : { after }),
    });
    for (const doc of page.items) {
      const parsed = schema.safeParse(doc.value);
      if (parsed.success)
        out.push({
          value: parsed.data,
          revision: doc.revision,
          createdAt: doc.createdAt,
          updatedAt: doc.updatedAt,
        });
      else options.logger?.error({ collection, id: doc.id }, 'skipping an invalid stored object');
    }
    after = page.next;
  } while (after !== undefined);
  return out;
}

/** A write that only bumps a document's revision: a concurrent delete of it then fails its check. */
export function touch(collection: string, id: string, stored: Stored<unknown>): WriteOp {
  return {
    op: 'update',
    collection,
    id,
    value: stored.value,
    expectedRevision: stored.revision,
  };
}

export interface Committer {
  readonly store: Store;
  applyNow(): Promise<void>;
}

/**
 * All-or-nothing write with a `control` notification published iff it commits, then an
 * immediate rebuild on this replica (read-your-writes); other replicas follow the notice.
 */
export async function commit(
  ctx: Committer,
  ops: readonly WriteOp[],
  change: { kind: string; id: string },
): Promise<WriteResult[]> {
  const results = await ctx.store.transact(ops, {
    notify: [{ channel: CONTROL_CHANNEL, message: JSON.stringify(change) }],
  });
  await ctx.applyNow();
  return results;
}
