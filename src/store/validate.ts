/**
 * Argument checks shared by every backend, so a bad name or value fails the same way
 * everywhere (StoreInvalidArgumentError) before any backend is touched.
 */
import { StoreInvalidArgumentError } from './errors.js';
import type { WriteOp } from './types.js';

export const MAX_VALUE_BYTES = 1024 * 1024;
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_TRANSACT_OPS = 500;
export const MAX_PAGE = 1000;
/** About ten years: longer lifetimes are a bug, not a policy. */
export const MAX_TTL_MS = 10 * 366 * 86_400_000;

const COLLECTION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
// Control characters and lone surrogates (which have no UTF-8 form, so two ids could collide).
// eslint-disable-next-line no-control-regex
const BAD_ID_CHAR = /[\u0000-\u001f\u007f]|[\ud800-\udfff]/u;

export function checkCollection(collection: string): void {
  if (!COLLECTION.test(collection))
    throw new StoreInvalidArgumentError(
      'a collection name is 1-64 letters, digits, "_", "." or "-", starting with a letter or digit',
    );
}

/** Document ids and counter keys: 1-512 characters, no control characters. */
export function checkId(id: string, what = 'id'): void {
  if (id.length === 0 || id.length > 512 || BAD_ID_CHAR.test(id))
    throw new StoreInvalidArgumentError(`a ${what} is 1-512 characters without control characters`);
}

export function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel))
    throw new StoreInvalidArgumentError(
      'a channel name is 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit',
    );
}

export function checkMessage(message: string): void {
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES)
    throw new StoreInvalidArgumentError(`a notification message is at most ${MAX_MESSAGE_BYTES} bytes`);
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS)
    throw new StoreInvalidArgumentError(`ttlMs must be an integer from 1 to ${MAX_TTL_MS}`);
}

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new StoreInvalidArgumentError(`limit must be an integer from 1 to ${MAX_PAGE}`);
}

function checkRevision(revision: number | undefined): void {
  if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 1))
    throw new StoreInvalidArgumentError('expectedRevision must be a positive integer');
}

/** Throws unless `value` survives a JSON round trip unchanged (undefined members aside). */
function checkJson(value: unknown, depth: number): void {
  if (depth > 64) throw new StoreInvalidArgumentError('a value is nested more than 64 levels deep');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StoreInvalidArgumentError('a stored number must be finite');
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) checkJson(item, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      throw new StoreInvalidArgumentError(
        'only plain objects and arrays can be stored (no Date, Map, class instances)',
      );
    for (const member of Object.values(value)) if (member !== undefined) checkJson(member, depth + 1);
    return;
  }
  throw new StoreInvalidArgumentError(`a ${typeof value} cannot be stored as JSON`);
}

/** Serializes a value the way it will be stored; the stored form is what every read returns. */
export function encodeValue(value: unknown, max = MAX_VALUE_BYTES): string {
  checkJson(value, 0);
  const text: unknown = JSON.stringify(value);
  if (typeof text !== 'string') throw new StoreInvalidArgumentError('the value cannot be serialized as JSON');
  if (Buffer.byteLength(text) > max) throw new StoreInvalidArgumentError(`a value is at most ${max} bytes`);
  return text;
}

/** How a write sets the expiry: none, keep the stored one, or `now + ms`. */
export type Expiry = 'none' | 'keep' | number;

/** A validated write: value already encoded. */
export interface PlannedOp {
  readonly kind: WriteOp['op'];
  readonly collection: string;
  readonly id: string;
  readonly value: string | undefined;
  readonly expectedRevision: number | undefined;
  readonly expiry: Expiry;
}

function expiryOf(op: WriteOp): Expiry {
  if (op.op === 'delete' || op.op === 'check') return 'none';
  const ttl = op.ttlMs;
  if (ttl === undefined) return op.op === 'update' ? 'keep' : 'none';
  if (ttl === null) return 'none';
  checkTtl(ttl);
  return ttl;
}

export function planOps(ops: readonly WriteOp[]): PlannedOp[] {
  if (ops.length > MAX_TRANSACT_OPS)
    throw new StoreInvalidArgumentError(`a transaction has at most ${MAX_TRANSACT_OPS} ops`);
  const seen = new Set<string>();
  return ops.map((op) => {
    checkCollection(op.collection);
    checkId(op.id);
    const key = `${op.collection}\u0000${op.id}`;
    if (seen.has(key))
      throw new StoreInvalidArgumentError(
        `document ${op.collection}/${op.id} appears twice in one transaction`,
      );
    seen.add(key);
    const expectedRevision = op.op === 'create' || op.op === 'put' ? undefined : op.expectedRevision;
    checkRevision(expectedRevision);
    const value = op.op === 'delete' || op.op === 'check' ? undefined : encodeValue(op.value);
    return {
      kind: op.op,
      collection: op.collection,
      id: op.id,
      value,
      expectedRevision,
      expiry: expiryOf(op),
    };
  });
}

export function planNotifications(
  notify: readonly { channel: string; message: string }[] | undefined,
): { channel: string; message: string }[] {
  const list = notify ?? [];
  if (list.length > 100)
    throw new StoreInvalidArgumentError('a transaction publishes at most 100 notifications');
  for (const n of list) {
    checkChannel(n.channel);
    checkMessage(n.message);
  }
  return list.map((n) => ({ channel: n.channel, message: n.message }));
}
