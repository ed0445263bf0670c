/**
 * The audit side of an admin API endpoint: which requests are recorded (every write,
 * whatever the outcome; reads only when an admin API key calls or tries to), and how a
 * thrown error becomes the record's outcome, status and code.
 */
import type { Request } from 'express';
import { SECRET_PREFIXES } from '../../auth/api-key-hash.js';
import { extractCredentials } from '../../auth/credentials.js';
import { GatehouseError } from '../../errors.js';
import type { AuditOutcome, JsonValue } from '../../store/types.js';
import type { AuditTrail } from '../audit.js';
import type { ResolvedCaller } from '../principal.js';
import { HiddenError } from './errors.js';

export const ANONYMOUS_CALLER: ResolvedCaller = {
  principal: { kind: 'anonymous' },
  actor: { type: 'anonymous', id: 'anonymous' },
};

function triedAdminKey(req: Request): boolean {
  const c = extractCredentials(req.rawHeaders, undefined);
  const secret = c.bearer ?? (c.basic?.password === '' ? c.basic.user : undefined);
  return secret?.startsWith(SECRET_PREFIXES.adminKey) === true;
}

export function outcomeOf(err: unknown): { outcome: AuditOutcome; status: number; code: string } {
  if (err instanceof GatehouseError) {
    const denied = err instanceof HiddenError || err.status === 401 || err.status === 403;
    return { outcome: denied ? 'denied' : 'error', status: err.status, code: err.code };
  }
  return { outcome: 'error', status: 500, code: 'internal_error' };
}

/** Collects one request's audit facts as the handler runs, and writes the record at the end. */
export class RequestAudit {
  caller: ResolvedCaller = ANONYMOUS_CALLER;
  target: { type: string; id: string } | undefined;
  private readonly details: Record<string, JsonValue | undefined> = {};

  constructor(
    private readonly trail: AuditTrail,
    private readonly req: Request,
    private readonly def: { readonly action: string; readonly write: boolean; readonly audited: boolean },
  ) {}

  addDetails(more: Readonly<Record<string, JsonValue | undefined>>): void {
    Object.assign(this.details, more);
  }

  async record(outcome: AuditOutcome, extra: Record<string, JsonValue>): Promise<void> {
    const wanted =
      this.def.write ||
      this.caller.actor.type === 'admin-key' ||
      (this.caller === ANONYMOUS_CALLER && triedAdminKey(this.req));
    if (!this.def.audited || !wanted) return;
    const all = { ...this.details, ...extra };
    await this.trail.record(
      this.caller,
      {
        action: this.def.action,
        outcome,
        ...(this.target ? { target: this.target } : {}),
        ...(Object.keys(all).length > 0 ? { details: all } : {}),
      },
      this.req,
    );
  }
}
