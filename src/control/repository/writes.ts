/**
 * The write patterns every resource shares, each race-free through store revisions:
 * create (duplicate → 409), read-modify-write at the read revision, and delete at the
 * read revision after checking what still refers to the object (→ 409 with the list).
 * A failed revision check re-runs the whole step on fresh data.
 */
import type { z } from 'zod';
import { GatehouseError } from '../../errors.js';
import { StoreConflictError } from '../../store/errors.js';
import type { WriteOp } from '../../store/types.js';
import { duplicate, notFound, retryOnConflict } from '../api/errors.js';
import { checkPrecondition, etagOf, type Precondition } from '../api/etag.js';
import { commit, getDoc, type Committer, type Stored } from './documents.js';

/** What a request adds to a write: its If-Match, and who to tell what was written (the audit record). */
export interface WriteGuard {
  /** Checked against the revision the write is made at (one compare-and-set): 412 on a mismatch. */
  readonly ifMatch?: Precondition | undefined;
  /** Called once the write committed, with the values before (absent on create) and after (absent on delete). */
  readonly committed?: (before: unknown, after: unknown) => void;
}

const NO_GUARD: WriteGuard = {};

export interface DocumentRef<T> {
  readonly collection: string;
  readonly id: string;
  readonly schema: z.ZodType<T>;
  /** For messages and notifications: `infrastructure`, `service`... */
  readonly kind: string;
  /** For messages: the id as the caller knows it. */
  readonly label?: string;
}

/** Creates the document with `extra` ops in one transaction; an existing id is 409. */
export async function createDocument(
  ctx: Committer,
  ref: DocumentRef<unknown>,
  value: unknown,
  extra: () => Promise<readonly WriteOp[]> = () => Promise.resolve([]),
  guard: WriteGuard = NO_GUARD,
): Promise<void> {
  await retryOnConflict(async () => {
    const ops: WriteOp[] = [
      { op: 'create', collection: ref.collection, id: ref.id, value },
      ...(await extra()),
    ];
    try {
      await commit(ctx, ops, { kind: ref.kind, id: ref.id });
    } catch (err) {
      if (err instanceof StoreConflictError && err.reason === 'exists' && err.collection === ref.collection)
        throw duplicate(ref.kind, ref.label ?? ref.id);
      throw err;
    }
  });
  guard.committed?.(undefined, value);
}

/**
 * Reads the document, checks the guard's If-Match against it, lets `change` decide the
 * new value (it may throw to refuse, e.g. 403 on the fresh record), writes it at the
 * read revision with `extra` ops.
 */
export async function updateDocument<T>(
  ctx: Committer,
  ref: DocumentRef<T>,
  change: (current: Stored<T>) => T | Promise<T>,
  extra: (current: Stored<T>, next: T) => Promise<readonly WriteOp[]> = () => Promise.resolve([]),
  guard: WriteGuard = NO_GUARD,
): Promise<Stored<T>> {
  const written = await retryOnConflict(async () => {
    const current = await getDoc(ctx.store, ref.collection, ref.id, ref.schema);
    if (!current) throw notFound(ref.kind, ref.label ?? ref.id);
    checkPrecondition(guard.ifMatch, etagOf(current), ref.kind);
    const next = await change(current);
    const ops: WriteOp[] = [
      {
        op: 'update',
        collection: ref.collection,
        id: ref.id,
        value: next,
        expectedRevision: current.revision,
      },
      ...(await extra(current, next)),
    ];
    const [first] = await commit(ctx, ops, { kind: ref.kind, id: ref.id });
    const doc = first && 'document' in first ? first.document : undefined;
    const after: Stored<T> = {
      value: next,
      revision: doc?.revision ?? current.revision + 1,
      createdAt: current.createdAt,
      updatedAt: doc?.updatedAt ?? current.updatedAt,
    };
    return { before: current.value, after };
  });
  guard.committed?.(written.before, written.after.value);
  return written.after;
}

export interface DeleteRules<T> {
  /** May throw to refuse (e.g. 403 on the fresh record). */
  readonly check?: (current: Stored<T>) => void | Promise<void>;
  /** What still refers to the object: a non-empty list refuses the delete with 409. */
  readonly blockers?: (current: Stored<T>) => Promise<{ kind: string; ids: readonly string[] }>;
  /** Documents deleted with it (its versions, keys, route). */
  readonly cascade?: (current: Stored<T>) => Promise<readonly WriteOp[]>;
}

export async function deleteDocument<T>(
  ctx: Committer,
  ref: DocumentRef<T>,
  rules: DeleteRules<T> = {},
  guard: WriteGuard = NO_GUARD,
): Promise<void> {
  const deleted = await retryOnConflict(async () => {
    const current = await getDoc(ctx.store, ref.collection, ref.id, ref.schema);
    if (!current) throw notFound(ref.kind, ref.label ?? ref.id);
    await rules.check?.(current);
    checkPrecondition(guard.ifMatch, etagOf(current), ref.kind);
    const blocking = await rules.blockers?.(current);
    if (blocking && blocking.ids.length > 0)
      throw new GatehouseError(
        'conflict',
        `The ${ref.kind} "${ref.label ?? ref.id}" is still used by ${blocking.kind}: ${blocking.ids.join(', ')}.`,
        { details: { [blocking.kind]: blocking.ids } },
      );
    const ops: WriteOp[] = [
      { op: 'delete', collection: ref.collection, id: ref.id, expectedRevision: current.revision },
      ...((await rules.cascade?.(current)) ?? []),
    ];
    await commit(ctx, ops, { kind: ref.kind, id: ref.id });
    return current.value;
  });
  guard.committed?.(deleted, undefined);
}
