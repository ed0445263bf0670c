/**
 * Audit records as every backend builds, stores and filters them: one canonical JSON
 * form, ids that are zero-padded sequences, and the filter semantics the SQLite
 * backend mirrors in SQL.
 */
import { StoreInvalidArgumentError } from './errors.js';
import type { AuditEntry, AuditFilter, AuditRecord } from './types.js';
import { checkLimit, encodeValue } from './validate.js';

const ACTOR_TYPES = new Set(['admin-key', 'user', 'system', 'anonymous']);
const OUTCOMES = new Set(['success', 'denied', 'error']);
const MAX_RECORD_BYTES = 64 * 1024;
const ID = /^\d{16}$/;

export function formatAuditId(seq: number): string {
  return String(seq).padStart(16, '0');
}

/** The sequence number of an audit cursor; rejects anything that is not an audit id. */
export function parseAuditCursor(after: string): number {
  if (!ID.test(after)) throw new StoreInvalidArgumentError('an audit cursor is a 16-digit record id');
  return Number(after);
}

function text(value: unknown, what: string, max = 500): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new StoreInvalidArgumentError(`audit ${what} must be a string of 1-${max} characters`);
  return value;
}

export type AuditBody = Omit<AuditRecord, 'id'>;

/**
 * The stored record without its id (the backend assigns it): fields in a fixed order,
 * optional ones only when present, so an entry reads back identically from every backend.
 */
export function buildAuditBody(entry: AuditEntry, time: number): AuditBody {
  if (!ACTOR_TYPES.has(entry.actor.type))
    throw new StoreInvalidArgumentError('audit actor.type is not known');
  if (!OUTCOMES.has(entry.outcome)) throw new StoreInvalidArgumentError('audit outcome is not known');
  const actor = {
    type: entry.actor.type,
    id: text(entry.actor.id, 'actor.id'),
    ...(entry.actor.name === undefined ? {} : { name: text(entry.actor.name, 'actor.name') }),
  };
  const body: AuditBody = {
    time,
    actor,
    action: text(entry.action, 'action', 200),
    ...(entry.target === undefined
      ? {}
      : { target: { type: text(entry.target.type, 'target.type'), id: text(entry.target.id, 'target.id') } }),
    outcome: entry.outcome,
    ...(entry.requestId === undefined ? {} : { requestId: text(entry.requestId, 'requestId') }),
    ...(entry.sourceAddress === undefined
      ? {}
      : { sourceAddress: text(entry.sourceAddress, 'sourceAddress') }),
    ...(entry.details === undefined ? {} : { details: entry.details }),
  };
  return body;
}

/** Canonical JSON of a record body, size-checked. */
export function encodeAuditBody(body: AuditBody): string {
  return encodeValue(body, MAX_RECORD_BYTES);
}

/** A stored record: its id first, then the body's fields in their stored order. */
export function assembleAuditRecord(id: string, bodyJson: string): AuditRecord {
  return { id, ...(JSON.parse(bodyJson) as AuditBody) };
}

export function checkAuditQuery(filter: AuditFilter, limit: number, after: string | undefined): void {
  checkLimit(limit);
  if (after !== undefined) parseAuditCursor(after);
  for (const key of ['since', 'until'] as const) {
    const value = filter[key];
    if (value !== undefined && !Number.isSafeInteger(value))
      throw new StoreInvalidArgumentError(`audit filter ${key} must be epoch milliseconds`);
  }
  if (filter.outcome !== undefined && !OUTCOMES.has(filter.outcome))
    throw new StoreInvalidArgumentError('audit filter outcome is not known');
}

export function matchesAudit(record: AuditRecord, filter: AuditFilter): boolean {
  return (
    (filter.actorId === undefined || record.actor.id === filter.actorId) &&
    (filter.action === undefined || record.action === filter.action) &&
    (filter.actionPrefix === undefined || record.action.startsWith(filter.actionPrefix)) &&
    (filter.targetType === undefined || record.target?.type === filter.targetType) &&
    (filter.targetId === undefined || record.target?.id === filter.targetId) &&
    (filter.outcome === undefined || record.outcome === filter.outcome) &&
    (filter.since === undefined || record.time >= filter.since) &&
    (filter.until === undefined || record.time < filter.until)
  );
}

export function checkRetention(olderThan: number | undefined, keepLatest: number | undefined): void {
  if (olderThan !== undefined && !Number.isSafeInteger(olderThan))
    throw new StoreInvalidArgumentError('audit retention olderThan must be epoch milliseconds');
  if (keepLatest !== undefined && (!Number.isSafeInteger(keepLatest) || keepLatest < 0))
    throw new StoreInvalidArgumentError('audit retention keepLatest must be a non-negative integer');
}
