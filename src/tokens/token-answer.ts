/** The token endpoint's answer (jwt, refresh token, when its chain ends), built the same way by every grant. */
import type { Clock } from '../clock.js';
import type { FamilyFacts } from './refresh-records.js';
import type { UserDirectory } from './users.js';

export interface TokenAnswer {
  readonly jwt: string;
  readonly duration: number;
  readonly token_type: 'Bearer';
  readonly refresh_token?: string;
  /** With a refresh token: seconds until its chain ends (absolute lifetime, capped). */
  readonly refresh_token_expires_in?: number;
  /** With a refresh token: the same instant as an ISO 8601 date. */
  readonly refresh_expires_at?: string;
  readonly client_id: string;
}

/** When a chain ends: its absolute end, capped by the maximum lifetime in force now. */
export function refreshExpiry(
  deps: { readonly users: UserDirectory; readonly clock: Clock },
  family: FamilyFacts | undefined,
): RefreshExpiry | undefined {
  if (!family) return undefined;
  const cap = deps.users.maximumRefreshLifetimeMs();
  const end = cap === undefined ? family.expiresAt : Math.min(family.expiresAt, family.createdAt + cap);
  return { inSec: Math.max(0, Math.round((end - deps.clock.now()) / 1000)), at: new Date(end).toISOString() };
}

interface RefreshExpiry {
  readonly inSec: number;
  readonly at: string;
}

export function answer(
  jwt: { jwt: string; duration: number },
  refreshToken: string | undefined,
  clientId: string,
  expiry: RefreshExpiry | undefined,
): TokenAnswer {
  return {
    jwt: jwt.jwt,
    duration: jwt.duration,
    token_type: 'Bearer',
    ...(refreshToken === undefined
      ? {}
      : {
          refresh_token: refreshToken,
          ...(expiry ? { refresh_token_expires_in: expiry.inSec, refresh_expires_at: expiry.at } : {}),
        }),
    client_id: clientId,
  };
}
