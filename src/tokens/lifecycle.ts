/**
 * What a password change, a disable or a deletion of a user does to the tokens already
 * issued (docs/tokens.md, "Token lifecycle").
 *
 * The decisive part needs no write here: the user record carries `passwordChangedAt`
 * and `disabledAt` (set by the admin API in the same write as the change), and every
 * check compares a token's issue time with them: refresh chains in refresh-tokens.ts,
 * personal tokens in gatehouse-token-authenticator.ts, JWTs and personal tokens through the subject revocation
 * of users.ts. So it holds on every replica, including one started later.
 *
 * This class does the eager part, on every replica that sees the change: it revokes the
 * user's affected refresh-token chains (their sessions too, so strict deployments refuse
 * their JWTs at once) and deletes the affected personal tokens. Replicas race
 * harmlessly: each revocation is a compare-and-set, and only the replica whose write
 * won reports it, so each is audited once.
 */
import type { AuditTrail } from '../control/audit.js';
import type { UserRecord } from '../control/model.js';
import type { Logger } from '../observability/log.js';
import { userAuditCaller } from './caller.js';
import type { PersonalTokenIndex } from './personal-index.js';
import type { PersonalTokens } from './personal-tokens.js';
import type { RefreshFamilies } from './refresh-families.js';

export type SweepReason = 'password_changed' | 'user_disabled' | 'user_deleted';

/** What a token was issued to and when: enough to tell whether a sweep takes it. */
export interface IssuedTo {
  readonly createdAt: number;
  readonly userCreatedAt: number;
}

export interface Sweep {
  readonly user: string;
  readonly reason: SweepReason;
  /** Which refresh-token chains to revoke. */
  readonly refresh: (family: IssuedTo) => boolean;
  /** Which personal tokens to delete (absent: none). */
  readonly personal?: (token: IssuedTo) => boolean;
}

/** What a change of one user record calls for, if anything. */
export function planSweep(
  before: UserRecord | undefined,
  after: UserRecord | undefined,
  revokePersonalOnPasswordChange: boolean,
): Sweep | undefined {
  if (!before) return undefined;
  if (!after || after.createdAt !== before.createdAt) {
    // Deleted (perhaps created again): everything of the old user goes.
    const old = (t: IssuedTo): boolean => t.userCreatedAt === before.createdAt;
    return { user: before.id, reason: 'user_deleted', refresh: old, personal: old };
  }
  const disabled =
    after.disabledAt !== undefined && after.disabledAt !== before.disabledAt ? after.disabledAt : undefined;
  const password =
    after.passwordChangedAt !== undefined && after.passwordChangedAt !== before.passwordChangedAt
      ? after.passwordChangedAt
      : undefined;
  if (disabled === undefined && password === undefined) return undefined;
  const refreshFloor = Math.max(disabled ?? -Infinity, password ?? -Infinity);
  const personalFloor = Math.max(
    disabled ?? -Infinity,
    (revokePersonalOnPasswordChange ? password : undefined) ?? -Infinity,
  );
  return {
    user: after.id,
    reason: disabled === undefined ? 'password_changed' : 'user_disabled',
    refresh: (t) => t.createdAt <= refreshFloor,
    ...(personalFloor === -Infinity ? {} : { personal: (t: IssuedTo) => t.createdAt <= personalFloor }),
  };
}

export class TokenLifecycle {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly families: RefreshFamilies,
    private readonly personal: PersonalTokens,
    private readonly index: PersonalTokenIndex,
    private readonly audit: AuditTrail,
    private readonly logger: Logger,
    private readonly revokePersonalOnPasswordChange: () => boolean,
  ) {}

  /** Called with each user's record before and after a control-plane change (users.watch). */
  onUserChange(before: UserRecord | undefined, after: UserRecord | undefined): void {
    const sweep = planSweep(before, after, this.revokePersonalOnPasswordChange());
    if (!sweep) return;
    this.queue = this.queue
      .then(() => this.run(sweep))
      .catch((err: unknown) => {
        // The lazy checks still refuse these tokens; only the clean-up is missing.
        this.logger.error({ err, user: sweep.user, reason: sweep.reason }, 'token clean-up failed');
      });
  }

  /** Resolves once every clean-up started so far is over. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async run(sweep: Sweep): Promise<void> {
    const caller = userAuditCaller(sweep.user);
    for (const family of await this.families.revokeUser(sweep.user, sweep.refresh))
      await this.audit.record(caller, {
        action: 'refresh_token.revoke',
        outcome: 'success',
        target: { type: 'refresh-session', id: family.sessionId },
        details: { clientId: family.clientId, reason: sweep.reason },
      });
    const personal = sweep.personal;
    if (!personal) return;
    for (const record of this.index.listFor(sweep.user)) {
      if (!personal(record)) continue;
      const deleted = await this.personal.delete(sweep.user, record.id);
      if (deleted)
        await this.audit.record(caller, {
          action: 'personal_token.delete',
          outcome: 'success',
          target: { type: 'personal-token', id: record.id },
          details: { name: deleted.name, reason: sweep.reason },
        });
    }
  }
}
