/**
 * The `gatehouse` authentication method: Gatehouse's own JWTs (verified like any JWT
 * provider, through the shared verified-token cache) and personal API tokens (one map
 * read in the in-memory index). Either way the user must still exist and be enabled.
 * JWTs come from the password grant (directly or through refresh tokens): when implicit
 * login is disabled they are refused here, except by the token endpoints' own instance.
 */
import { SECRET_PREFIXES } from '../auth/api-key-hash.js';
import { NOT_MINE, rejected, type Authenticator, type AuthnResult } from '../auth/authenticator.js';
import { createJwtAuthenticator } from '../auth/authenticators/jwt.js';
import { scopeGranted } from '../auth/authorizers/scopes.js';
import type { RequestCredentials } from '../auth/credentials.js';
import type { RevocationList } from '../auth/revocation.js';
import type { VerifiedTokenCache } from '../auth/token-cache.js';
import type { Identity, MaybePromise } from '../auth/types.js';
import type { Clock } from '../clock.js';
import type { UsageRecorder } from '../control/usage.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { PersonalTokenEntry, PersonalTokenIndex } from './personal-index.js';
import { USAGE_KIND } from './personal-tokens.js';
import { GATEHOUSE_PROVIDER_ID, type SigningKeys, type SigningKeySet } from './signing.js';
import type { TokenUser, UserDirectory } from './users.js';

export interface GatehouseMethodDeps {
  readonly keys: SigningKeys;
  readonly users: UserDirectory;
  readonly personal: PersonalTokenIndex;
  readonly cache: VerifiedTokenCache;
  readonly revocations: RevocationList;
  readonly metrics: GatehouseMetrics;
  readonly clock: Clock;
  readonly usage: UsageRecorder;
}

export interface GatehouseMethodOptions {
  /** Refuse JWTs of revoked refresh-token sessions. */
  readonly strictRevocation: boolean;
  /** Accept password-grant JWTs even when implicit login is disabled (token endpoints only). */
  readonly alwaysAcceptLoginTokens: boolean;
}

const IMPLICIT_LOGIN_DISABLED = rejected(
  'implicit_login_disabled',
  'Login tokens are accepted only by the token-management endpoints here; use a personal API token.',
);
const SESSION_REVOKED = rejected('revoked', 'The token has been revoked.');
const USER_UNAVAILABLE = rejected('user_unavailable', 'The token belongs to a disabled or unknown user.');
const UNKNOWN_PERSONAL = rejected('unknown_token', 'The personal API token is not valid.');
const EXPIRED_PERSONAL = rejected('expired', 'The personal API token has expired.');
const REVOKED_PERSONAL = rejected('revoked', 'The personal API token has been revoked.');

export function createGatehouseAuthenticator(
  deps: GatehouseMethodDeps,
  options: GatehouseMethodOptions,
): Authenticator {
  let keySet: SigningKeySet | undefined;
  let jwt: Authenticator | undefined;
  const personalResults = new WeakMap<PersonalTokenEntry, { version: number; result: AuthnResult }>();

  const jwtAuthenticator = (): Authenticator => {
    const current = deps.keys.current();
    if (current !== keySet || !jwt) {
      keySet = current;
      jwt = createJwtAuthenticator({
        verifiers: [current.handle],
        cache: deps.cache,
        revocations: deps.revocations,
        metrics: deps.metrics,
        method: 'gatehouse',
      });
    }
    return jwt;
  };

  const checkJwt = (result: AuthnResult): AuthnResult => {
    if (result.outcome === 'rejected' && result.reason === 'wrong_issuer') return NOT_MINE;
    if (result.outcome !== 'authenticated') return result;
    const identity = result.identity;
    const user = deps.users.get(identity.subject);
    if (!user || user.disabled) return USER_UNAVAILABLE;
    // Issued before this user existed: a deleted namesake's JWT, never this user's (iat has
    // one-second resolution). The subject revocation of a delete misses it on a replica that
    // saw the delete and the re-creation as one change, or started after both.
    if (identity.issuedAt !== undefined && identity.issuedAt < Math.floor(user.createdAt / 1000) * 1000)
      return USER_UNAVAILABLE;
    if (!options.alwaysAcceptLoginTokens && !deps.users.implicitLogin()) return IMPLICIT_LOGIN_DISABLED;
    if (options.strictRevocation) {
      const sid = identity.claims?.sid;
      if (typeof sid === 'string' && deps.revocations.isSessionRevoked(sid)) return SESSION_REVOKED;
    }
    return result;
  };

  const personal = (token: string): AuthnResult => {
    const entry = deps.personal.find(token);
    if (!entry) return UNKNOWN_PERSONAL;
    const record = entry.record;
    if (record.expiresAt <= deps.clock.now()) return EXPIRED_PERSONAL;
    const user = deps.users.get(record.user);
    if (!user || user.disabled || user.createdAt !== record.userCreatedAt) return USER_UNAVAILABLE;
    // Created before the user's last disable (or password change, by default): dead for good.
    if (record.createdAt <= user.personalFloor) return REVOKED_PERSONAL;
    const version = deps.users.version;
    let memo = personalResults.get(entry);
    if (memo?.version !== version) {
      memo = { version, result: { outcome: 'authenticated', identity: personalIdentity(entry, user) } };
      personalResults.set(entry, memo);
    }
    if (memo.result.outcome === 'authenticated' && deps.revocations.isRevoked(memo.result.identity))
      return REVOKED_PERSONAL;
    deps.usage.record(USAGE_KIND, record.id);
    return memo.result;
  };

  return {
    method: 'gatehouse',
    schemes: ['Bearer'],
    authenticate(credentials: RequestCredentials, req): MaybePromise<AuthnResult> {
      const token = credentials.bearer;
      if (token === undefined) return NOT_MINE;
      if (token.startsWith(SECRET_PREFIXES.personalToken)) return personal(token);
      const result = jwtAuthenticator().authenticate(credentials, req);
      return result instanceof Promise ? result.then(checkJwt) : checkJwt(result);
    },
  };
}

/** A personal token's identity: its user, with the token's scopes that the user still holds. */
function personalIdentity(entry: PersonalTokenEntry, user: TokenUser): Identity {
  const record = entry.record;
  const scopes = record.scopes ? record.scopes.filter((s) => scopeGranted(user.scopeSet, s)) : user.scopes;
  return Object.freeze({
    subject: user.id,
    method: 'gatehouse',
    provider: GATEHOUSE_PROVIDER_ID,
    credentialId: record.id,
    groups: new Set(user.groups),
    scopes: new Set(scopes),
    // Created with scopes: only those, on the control plane too. Without: its user's full rights.
    restrictedToScopes: record.scopes !== undefined,
    expiresAt: record.expiresAt,
    issuedAt: record.createdAt,
  });
}
