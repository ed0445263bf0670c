/**
 * Typed store failures. Repositories map them: not-found → 404 `not_found`,
 * conflict → 409 `conflict`, unavailable → 503 `unavailable` (fail closed),
 * invalid-argument → a programming error (500); not-durable refuses the start.
 * Messages name collections and ids, never values.
 */
export type StoreErrorCode =
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'closed'
  | 'invalid_argument'
  | 'schema'
  | 'backend'
  | 'not_durable';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
  }
}

/** The document does not exist (or has expired). `opIndex` points into a transaction's ops. */
export class StoreNotFoundError extends StoreError {
  readonly collection: string;
  readonly id: string;
  readonly opIndex: number | undefined;
  constructor(collection: string, id: string, opIndex?: number) {
    super('not_found', `document ${collection}/${id} does not exist`);
    this.name = 'StoreNotFoundError';
    this.collection = collection;
    this.id = id;
    this.opIndex = opIndex;
  }
}

export type ConflictReason = 'exists' | 'revision';

/** A create hit a live document, or `expectedRevision` did not match the stored revision. */
export class StoreConflictError extends StoreError {
  readonly collection: string;
  readonly id: string;
  readonly reason: ConflictReason;
  readonly actualRevision: number;
  readonly opIndex: number | undefined;
  constructor(
    collection: string,
    id: string,
    reason: ConflictReason,
    actualRevision: number,
    opIndex?: number,
  ) {
    super(
      'conflict',
      reason === 'exists'
        ? `document ${collection}/${id} already exists`
        : `document ${collection}/${id} is at revision ${actualRevision}, not the expected one`,
    );
    this.name = 'StoreConflictError';
    this.collection = collection;
    this.id = id;
    this.reason = reason;
    this.actualRevision = actualRevision;
    this.opIndex = opIndex;
  }
}

/**
 * The backend cannot answer (down, timed out, locked). For a write the outcome is
 * unknown: it may have been applied just before the connection broke.
 */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown; code?: 'unavailable' | 'closed' }) {
    super(options?.code ?? 'unavailable', message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A write was applied, but the backend did not confirm within the time allowed that it
 * is persisted (Redis: WAITAOF/WAIT fell short). The change is visible to every replica
 * and may survive, but a crash of the backend now could lose it.
 */
export class StoreNotPersistedError extends StoreUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreNotPersistedError';
  }
}

/** The store was closed by its owner. */
export class StoreClosedError extends StoreUnavailableError {
  constructor() {
    super('the store is closed', { code: 'closed' });
    this.name = 'StoreClosedError';
  }
}

/** A caller passed an invalid name, id, value, limit or TTL: a programming error. */
export class StoreInvalidArgumentError extends StoreError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'StoreInvalidArgumentError';
  }
}

/** The SQLite schema is newer than this code, or a migration failed. */
export class StoreSchemaError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('schema', message, options);
    this.name = 'StoreSchemaError';
  }
}

/** The backend does not persist what it acknowledges (Redis `appendonly no`): refused at start. */
export class StoreNotDurableError extends StoreError {
  constructor(message: string) {
    super('not_durable', message);
    this.name = 'StoreNotDurableError';
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
