/**
 * The audit log, for every backend: records are built, encoded and checked here; a
 * backend stores and reads them through the protected primitives below.
 */
import {
  assembleAuditRecord,
  buildAuditBody,
  checkAuditQuery,
  checkRetention,
  encodeAuditBody,
  parseAuditCursor,
} from './audit.js';
import { toPage } from './base-core.js';
import { DocumentStore } from './base-documents.js';
import type * as T from './types.js';

export abstract class AuditStore extends DocumentStore {
  /** Appends the encoded record body (everything but the id); answers the assigned id. */
  protected abstract insertAudit(body: string, record: Omit<T.AuditRecord, 'id'>): Promise<string>;
  /** Matching records with a sequence below `beforeSeq`, newest first, at most `limit`. */
  protected abstract readAudit(
    filter: T.AuditFilter,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<T.AuditRecord[]>;
  protected abstract deleteAudit(retention: T.AuditRetention): Promise<number>;
  appendAudit(entry: T.AuditEntry): Promise<T.AuditRecord> {
    return this.run('appendAudit', async () => {
      const body = buildAuditBody(entry, this.now());
      const json = encodeAuditBody(body);
      return assembleAuditRecord(await this.insertAudit(json, body), json);
    });
  }

  queryAudit(filter: T.AuditFilter, options: T.AuditQueryOptions): Promise<T.Page<T.AuditRecord>> {
    return this.run('queryAudit', async () => {
      checkAuditQuery(filter, options.limit, options.after);
      const before = options.after === undefined ? undefined : parseAuditCursor(options.after);
      return toPage(await this.readAudit(filter, before, options.limit + 1), options.limit);
    });
  }

  pruneAudit(retention: T.AuditRetention): Promise<number> {
    return this.run('pruneAudit', () => {
      checkRetention(retention.olderThan, retention.keepLatest);
      if (retention.olderThan === undefined && retention.keepLatest === undefined) return Promise.resolve(0);
      return this.deleteAudit(retention);
    });
  }
}
