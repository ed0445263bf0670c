/**
 * The token endpoint's grants and the revocation endpoint, as plain functions of a
 * validated request (the Express layer is auth-routes.ts). Wrong password, unknown user,
 * disabled user and a user without a password get the same answer after the same scrypt
 * work; every outcome is audited without the password or any token.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { authError } from '../auth/challenge.js';
import type { Clock } from '../clock.js';
import type { AuditTrail } from '../control/audit.js';
import { verifyPassword } from '../control/passwords.js';
import { GatehouseError } from '../errors.js';
import type { passwordGrantSchema, refreshGrantSchema, revokeRequestSchema } from './api-schemas.js';
import type { BruteForceGuard } from './brute-force.js';
import { addressOf, ANONYMOUS_AUDIT_CALLER, userAuditCaller } from './caller.js';
import type { JwtIssuer } from './issuer.js';
import type { FamilyFacts } from './refresh-records.js';
import { answer, refreshExpiry, type TokenAnswer } from './token-answer.js';
import type { RefreshFamilies } from './refresh-families.js';
import type { RefreshFailure, RefreshTokens } from './refresh-tokens.js';
import type { TokenUser, UserDirectory } from './users.js';

export type { TokenAnswer } from './token-answer.js';

export interface GrantDeps {
  readonly users: UserDirectory;
  readonly guard: BruteForceGuard;
  readonly issuer: JwtIssuer;
  readonly refresh: RefreshTokens;
  readonly families: RefreshFamilies;
  readonly audit: AuditTrail;
  readonly clock: Clock;
}

const BAD_CREDENTIALS = 'Invalid username or password.';
const REFRESH_MESSAGES: Record<RefreshFailure, string> = {
  malformed: 'The refresh token is not valid.',
  unknown: 'The refresh token is not valid.',
  revoked: 'The refresh token has been revoked.',
  credentials_changed: 'The refresh token has been revoked (password changed or user disabled since).',
  expired: 'The refresh token has expired.',
  inactive: 'The refresh token has expired (unused for too long).',
  client_mismatch: 'The refresh token was issued to another client.',
  user_unavailable: 'The refresh token belongs to a disabled or unknown user.',
  superseded: 'The refresh token has been replaced.',
  reuse_detected: 'The refresh token was already used; its session has been revoked.',
  contention: 'The refresh token is being used concurrently; retry.',
};

/** Checks a user name and password, with brute-force accounting. Throws 401 or 429. */
export async function checkPassword(
  deps: GrantDeps,
  req: IncomingMessage,
  username: string,
  password: string,
  action: string,
): Promise<TokenUser> {
  const user = deps.users.get(username);
  let ok = false;
  // Counted before hashing, hashing bounded: see brute-force.ts.
  const accepted = await deps.guard.verifyPassword({ user: username, address: addressOf(req) }, async () => {
    ok = await verifyPassword(password, user?.passwordHash);
    return ok && user !== undefined && !user.disabled;
  });
  if (!accepted || !user) {
    await deps.audit.record(
      ANONYMOUS_AUDIT_CALLER,
      {
        action,
        outcome: 'denied',
        ...(user ? { target: { type: 'user', id: user.id } } : {}),
        details: {
          reason: user?.disabled && ok ? 'user_disabled' : 'bad_credentials',
          knownUser: user !== undefined,
        },
      },
      req,
    );
    throw authError('invalid_token', BAD_CREDENTIALS);
  }
  return user;
}

export async function passwordGrant(
  deps: GrantDeps,
  req: IncomingMessage,
  body: z.output<typeof passwordGrantSchema>,
): Promise<TokenAnswer> {
  const user = await checkPassword(deps, req, body.username, body.password, 'token.issue');
  const caller = userAuditCaller(user.id, user.groups);
  const clientId = body.clientId ?? randomUUID();
  let refreshToken: string | undefined;
  let sessionId: string | undefined;
  let chain: FamilyFacts | undefined;
  if (body.issueRefreshToken) {
    const issued = await deps.families.issue(user, clientId, {
      lifetimeMs: body.refreshTokenLifetime === undefined ? undefined : body.refreshTokenLifetime * 1000,
      unusedLifeMs:
        body.refreshTokenUnusedLife === undefined ? undefined : body.refreshTokenUnusedLife * 1000,
    });
    refreshToken = issued.refreshToken;
    sessionId = issued.family.sessionId;
    chain = issued.family;
    if (issued.replaced)
      await deps.audit.record(
        caller,
        {
          action: 'refresh_token.revoke',
          outcome: 'success',
          target: { type: 'refresh-session', id: issued.replaced.sessionId },
          details: { clientId, reason: 'replaced_by_new_login' },
        },
        req,
      );
    await deps.audit.record(
      caller,
      {
        action: 'refresh_token.issue',
        outcome: 'success',
        target: { type: 'refresh-session', id: sessionId },
        details: { clientId },
      },
      req,
    );
  }
  const jwt = await deps.issuer.issue(user, sessionId);
  await deps.audit.record(
    caller,
    {
      action: 'token.issue',
      outcome: 'success',
      target: { type: 'user', id: user.id },
      details: { grant: 'password', jti: jwt.jti, clientId, ...(sessionId ? { sessionId } : {}) },
    },
    req,
  );
  return answer(jwt, refreshToken, clientId, refreshExpiry(deps, chain));
}

export async function refreshGrant(
  deps: GrantDeps,
  req: IncomingMessage,
  body: z.output<typeof refreshGrantSchema>,
): Promise<TokenAnswer> {
  const address = addressOf(req);
  await deps.guard.check({ address });
  const outcome = await deps.refresh.refresh(body.refresh_token, {
    rotate: body.issueRefreshToken,
    clientId: body.clientId,
  });
  if (!outcome.ok) {
    await deps.guard.fail({ address });
    const family = outcome.family;
    const reuse = outcome.reason === 'reuse_detected';
    await deps.audit.record(
      family ? userAuditCaller(family.user) : ANONYMOUS_AUDIT_CALLER,
      {
        action: reuse ? 'refresh_token.reuse_detected' : 'token.refresh',
        outcome: 'denied',
        ...(family ? { target: { type: 'refresh-session', id: family.sessionId } } : {}),
        details: {
          reason: outcome.reason,
          ...(family ? { clientId: family.clientId, revokedSession: reuse } : {}),
        },
      },
      req,
    );
    if (outcome.reason === 'contention') throw new GatehouseError('conflict', REFRESH_MESSAGES.contention);
    throw authError('invalid_token', REFRESH_MESSAGES[outcome.reason]);
  }
  const { user, family, event } = outcome;
  const caller = userAuditCaller(user.id, user.groups);
  const target = { type: 'refresh-session', id: family.sessionId };
  if (event !== 'refresh')
    await deps.audit.record(
      caller,
      {
        action: event === 'rotate' ? 'refresh_token.rotate' : 'refresh_token.grace_reissue',
        outcome: 'success',
        target,
        details: { clientId: family.clientId },
      },
      req,
    );
  const jwt = await deps.issuer.issue(user, family.sessionId);
  await deps.audit.record(
    caller,
    {
      action: 'token.refresh',
      outcome: 'success',
      target,
      details: { grant: 'refresh_token', jti: jwt.jti, clientId: family.clientId },
    },
    req,
  );
  return answer(jwt, outcome.refreshToken, family.clientId, refreshExpiry(deps, family));
}

export async function revoke(
  deps: GrantDeps,
  req: IncomingMessage,
  body: z.output<typeof revokeRequestSchema>,
): Promise<{ revoked: boolean }> {
  const address = addressOf(req);
  let family;
  if ('refresh_token' in body) {
    await deps.guard.check({ address });
    family = await deps.families.revokeToken(body.refresh_token);
    if (!family) await deps.guard.fail({ address });
  } else {
    const user = await checkPassword(deps, req, body.username, body.password, 'refresh_token.revoke');
    family = await deps.families.revokeClient(user.id, body.clientId);
  }
  if (family)
    await deps.audit.record(
      userAuditCaller(family.user),
      {
        action: 'refresh_token.revoke',
        outcome: 'success',
        target: { type: 'refresh-session', id: family.sessionId },
        details: { clientId: family.clientId, reason: 'requested' },
      },
      req,
    );
  return { revoked: family !== undefined };
}
