/**
 * The write rules as a pure function over a stored row, shared by the memory and
 * SQLite backends (the Redis backend runs the same rules in Lua: redis-scripts.ts).
 */
import { StoreConflictError, StoreNotFoundError } from './errors.js';
import type { StoredDocument, WriteResult } from './types.js';
import type { PlannedOp } from './validate.js';

export interface Row {
  /** Encoded JSON. */
  readonly value: string;
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number | null;
}

export type Outcome =
  | { readonly type: 'write'; readonly row: Row }
  | { readonly type: 'delete'; readonly existed: boolean }
  | { readonly type: 'check'; readonly revision: number };

/** An expired row is treated as absent by every read and every check. */
export function isLive(row: Row | undefined, now: number): row is Row {
  return row !== undefined && (row.expiresAt === null || row.expiresAt > now);
}

function checkRevision(op: PlannedOp, current: Row | undefined, index: number | undefined): Row {
  if (current === undefined) throw new StoreNotFoundError(op.collection, op.id, index);
  if (op.expectedRevision !== undefined && op.expectedRevision !== current.revision)
    throw new StoreConflictError(op.collection, op.id, 'revision', current.revision, index);
  return current;
}

/**
 * What `op` does to the live row `current` (undefined when absent or expired) at `now`.
 * Throws the typed error of a failed check; `index` is set for transactions.
 */
export function applyOp(op: PlannedOp, current: Row | undefined, now: number, index?: number): Outcome {
  switch (op.kind) {
    case 'check':
      return { type: 'check', revision: checkRevision(op, current, index).revision };
    case 'delete':
      if (op.expectedRevision !== undefined) checkRevision(op, current, index);
      return { type: 'delete', existed: current !== undefined };
    case 'create':
      if (current !== undefined)
        throw new StoreConflictError(op.collection, op.id, 'exists', current.revision, index);
      break;
    case 'update':
      checkRevision(op, current, index);
      break;
    case 'put':
      break;
  }
  const expiresAt =
    op.expiry === 'none' ? null : op.expiry === 'keep' ? (current?.expiresAt ?? null) : now + op.expiry;
  return {
    type: 'write',
    row: {
      value: op.value ?? 'null',
      revision: (current?.revision ?? 0) + 1,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      expiresAt,
    },
  };
}

export function toDocument(id: string, row: Row): StoredDocument {
  const base = {
    id,
    value: JSON.parse(row.value) as StoredDocument['value'],
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  return row.expiresAt === null ? base : { ...base, expiresAt: row.expiresAt };
}

export function toResult(op: PlannedOp, outcome: Outcome): WriteResult {
  switch (outcome.type) {
    case 'write':
      return { op: op.kind as 'create' | 'update' | 'put', document: toDocument(op.id, outcome.row) };
    case 'delete':
      return { op: 'delete', deleted: outcome.existed };
    case 'check':
      return { op: 'check', revision: outcome.revision };
  }
}
