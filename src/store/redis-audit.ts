/**
 * Reading the audit log from Redis: records live in one sorted set scored by sequence
 * (member = 16-digit sequence, a space, the JSON body). Newest first, in batches, with
 * the filter applied here since Redis cannot index the JSON.
 */
import { assembleAuditRecord, matchesAudit } from './audit.js';
import type { RedisLink } from './redis-client.js';
import { strings } from './redis-replies.js';
import type * as T from './types.js';

const AUDIT_BATCH = 500;

/** Matching records with a sequence below `beforeSeq`, newest first, at most `limit`. */
export async function readAuditRange(
  link: RedisLink,
  key: string,
  filter: T.AuditFilter,
  beforeSeq: number | undefined,
  limit: number,
): Promise<T.AuditRecord[]> {
  const out: T.AuditRecord[] = [];
  let max = beforeSeq === undefined ? '+inf' : `(${beforeSeq}`;
  for (;;) {
    const members = strings(await link.call('ZREVRANGEBYSCORE', key, max, '-inf', 'LIMIT', 0, AUDIT_BATCH));
    for (const member of members) {
      const record = assembleAuditRecord((member ?? '').slice(0, 16), (member ?? '').slice(17));
      if (matchesAudit(record, filter)) out.push(record);
      if (out.length >= limit) return out;
    }
    if (members.length < AUDIT_BATCH) return out;
    max = `(${Number((members[members.length - 1] ?? '').slice(0, 16))}`;
  }
}
