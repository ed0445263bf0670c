import type { IncomingMessage } from 'node:http';
import type { Logger } from '../observability/log.js';
import type { AuditEntry, AuditOutcome, JsonObject, Store } from '../store/types.js';
import type { ResolvedCaller } from './principal.js';

export interface AuditEvent {
  readonly action: string;
  readonly target?: { readonly type: string; readonly id: string };
  readonly outcome: AuditOutcome;
  /** Ids, names, counts: never a secret, a token or a password. */
  readonly details?: JsonObject;
}

/**
 * Writes one audit record (store) and the same event as a JSON log line. A failing
 * store write is logged, not thrown: the change itself already happened or was refused,
 * and the log line still carries the event.
 */
export class AuditTrail {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async record(
    caller: ResolvedCaller,
    event: AuditEvent,
    req?: IncomingMessage & { id?: string },
  ): Promise<void> {
    const requestId = requestIdOf(req);
    const entry: AuditEntry = {
      actor: caller.actor,
      action: event.action,
      outcome: event.outcome,
      ...(event.target ? { target: event.target } : {}),
      ...(event.details ? { details: event.details } : {}),
      ...(requestId ? { requestId } : {}),
      ...(req?.socket?.remoteAddress ? { sourceAddress: req.socket.remoteAddress } : {}),
    };
    this.logger.info({ audit: entry }, 'audit');
    try {
      await this.store.appendAudit(entry);
    } catch (err) {
      this.logger.error({ err, action: event.action }, 'audit record could not be stored');
    }
  }
}

function requestIdOf(req: (IncomingMessage & { id?: string }) | undefined): string | undefined {
  const header = req?.headers['x-request-id'];
  const fromResponse = (req as { res?: { locals?: { requestId?: unknown } } } | undefined)?.res?.locals
    ?.requestId;
  if (typeof fromResponse === 'string') return fromResponse;
  return typeof header === 'string' ? header : undefined;
}
