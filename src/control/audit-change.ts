/**
 * The `before` / `after` an audit record keeps of a changed object, with every secret
 * and key hash replaced by the log's censor string (the same field names the JSON log
 * redacts, plus the stored digests: `hash`, `passwordHash`). `changed` names the
 * top-level fields that differ, compared before redaction, so a new key hash or password
 * shows up as changed without appearing.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue } from '../store/types.js';

export const REDACTED = '[redacted]';

/** Field names whose values never reach the audit log, at any depth. */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'hash',
  'passwordHash',
  'password',
  'secret',
  'secrets',
  'key',
  'token',
  'pem',
  'privateKey',
  'apiKey',
  'authorization',
  'cookie',
  'refresh_token',
]);

/** A JSON copy of `value` with secret fields censored; non-JSON values become null. */
export function redactForAudit(value: unknown): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(redactForAudit);
  if (typeof value !== 'object') return null;
  const out: Record<string, JsonValue> = {};
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    if (field === undefined) continue;
    out[name] = SECRET_FIELDS.has(name) ? REDACTED : redactForAudit(field);
  }
  return out;
}

function fieldsOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Top-level fields that differ between the two (sorted), compared on the unredacted values. */
export function changedFields(before: unknown, after: unknown): string[] {
  const a = fieldsOf(before);
  const b = fieldsOf(after);
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((n) => !isDeepStrictEqual(a[n], b[n])).sort();
}

/** Audit details of one change: `before` (absent on create), `after` (absent on delete), `changed`. */
export function changeDetails(before: unknown, after: unknown): JsonObject {
  return {
    ...(before === undefined ? {} : { before: redactForAudit(before) }),
    ...(after === undefined ? {} : { after: redactForAudit(after) }),
    changed: changedFields(before, after),
  };
}
