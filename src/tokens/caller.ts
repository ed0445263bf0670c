/**
 * Who calls a user endpoint of the token service (/api/v1/tokens, /api/v1/users/me):
 * a Gatehouse JWT (accepted here even when implicit login is disabled, and refused once
 * its session is revoked), a personal API token, or a user token of an admin provider.
 * Admin API keys are not users. Failures count against the caller's address.
 */
import type { IncomingMessage } from 'node:http';
import { SECRET_PREFIXES } from '../auth/api-key-hash.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authError } from '../auth/challenge.js';
import { extractCredentials } from '../auth/credentials.js';
import type { Identity } from '../auth/types.js';
import type { PrincipalResolver, ResolvedCaller } from '../control/principal.js';
import { GatehouseError } from '../errors.js';
import type { BruteForceGuard } from './brute-force.js';

export interface UserCaller {
  readonly identity: Identity;
  readonly tokenType: 'jwt' | 'personal' | 'external';
  /** For the audit trail. */
  readonly audit: ResolvedCaller;
}

export function addressOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export function userAuditCaller(userId: string, groups: readonly string[] = []): ResolvedCaller {
  return {
    principal: { kind: 'user', userId, groups, globalPrivileges: [] },
    actor: { type: 'user', id: userId },
  };
}

export const ANONYMOUS_AUDIT_CALLER: ResolvedCaller = {
  principal: { kind: 'anonymous' },
  actor: { type: 'anonymous', id: 'anonymous' },
};

export class CallerResolver {
  constructor(
    private readonly authenticator: () => Authenticator,
    private readonly principals: PrincipalResolver,
    private readonly guard: BruteForceGuard,
  ) {}

  async resolve(req: IncomingMessage): Promise<UserCaller> {
    const address = addressOf(req);
    await this.guard.check({ address });
    try {
      return await this.authenticate(req);
    } catch (err) {
      if (err instanceof GatehouseError && err.status === 401) await this.guard.fail({ address });
      throw err;
    }
  }

  private async authenticate(req: IncomingMessage): Promise<UserCaller> {
    const credentials = extractCredentials(req.rawHeaders, undefined);
    if (credentials.malformed !== undefined) throw authError('invalid_request', credentials.malformed);
    if (!credentials.present) throw authError('missing_credentials', undefined);
    const result = await this.authenticator().authenticate(credentials, req);
    switch (result.outcome) {
      case 'authenticated': {
        const personal = credentials.bearer?.startsWith(SECRET_PREFIXES.personalToken) === true;
        const identity = result.identity;
        return {
          identity,
          tokenType: personal ? 'personal' : 'jwt',
          audit: userAuditCaller(identity.subject, [...identity.groups]),
        };
      }
      case 'rejected':
        throw authError(result.code, result.description);
      case 'unavailable':
        throw new GatehouseError('auth_unavailable', result.description, { headers: { 'retry-after': '5' } });
      case 'not-mine':
        break;
    }
    const resolved = await this.principals.resolve(req);
    if (resolved.principal.kind === 'user' && resolved.identity)
      return { identity: resolved.identity, tokenType: 'external', audit: resolved };
    throw new GatehouseError('forbidden', 'This endpoint is for users; an admin API key is not a user.');
  }
}
