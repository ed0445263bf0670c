/** The audit log's records and queries, as the Store interface (types.ts) reads and writes them. */

export type AuditActorType = 'admin-key' | 'user' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'denied' | 'error';

export interface AuditEntry {
  readonly actor: { readonly type: AuditActorType; readonly id: string; readonly name?: string };
  /** Dotted verb such as `deployment.create`; filter by exact value or prefix. */
  readonly action: string;
  readonly target?: { readonly type: string; readonly id: string };
  readonly outcome: AuditOutcome;
  readonly requestId?: string;
  readonly sourceAddress?: string;
  /** Never secrets: callers pass ids and names, not key material. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditEntry {
  /** 16-digit zero-padded sequence: string order is append order, across replicas. */
  readonly id: string;
  readonly time: number;
}

export interface AuditFilter {
  readonly actorId?: string;
  /** Exact action. */
  readonly action?: string;
  /** Actions starting with this string (e.g. `deployment.`). */
  readonly actionPrefix?: string;
  readonly targetType?: string;
  readonly targetId?: string;
  readonly outcome?: AuditOutcome;
  /** Records with `time >= since`. */
  readonly since?: number;
  /** Records with `time < until`. */
  readonly until?: number;
}

export interface AuditQueryOptions {
  /** Cursor: only records older than this id (pass the previous page's `next`). */
  readonly after?: string;
  /** 1..1000. */
  readonly limit: number;
}

/**
 * Pruning removes a prefix of the log (never a hole in the middle): first everything
 * but the `keepLatest` newest records, then the oldest records up to the first one
 * whose time is not before `olderThan` (with replica clock skew, a slightly older
 * record appended after a newer one waits for the next prune).
 */
export interface AuditRetention {
  readonly olderThan?: number;
  readonly keepLatest?: number;
}
