/**
 * The control-plane scopes: what a scope-restricted credential (Identity.restrictedToScopes)
 * must carry to use the admin API and the token endpoints. The permission rules still
 * apply on top: a scope never grants a privilege, it only bounds the credential.
 *
 *   gatehouse:read    reads of the admin API
 *   gatehouse:deploy  writes of the deployer model (services, versions, deployments, their API keys)
 *   gatehouse:admin   everything on the admin API (infrastructures, users, groups, permissions,
 *                     settings, the audit log, other users' tokens, revocations)
 *   gatehouse:tokens  the caller's own personal tokens on the token endpoints
 *
 * admin implies the other three, deploy implies read. The wildcards of scopes.ts keep
 * their meaning: `gatehouse:*`, `*` and `admin:*` cover every control scope.
 */
import { scopeGranted } from '../auth/authorizers/scopes.js';
import type { Identity } from '../auth/types.js';

export const CONTROL_SCOPES = [
  'gatehouse:read',
  'gatehouse:deploy',
  'gatehouse:admin',
  'gatehouse:tokens',
] as const;
export type ControlScope = (typeof CONTROL_SCOPES)[number];

/** The control scopes that cover each one (itself included). */
const COVERED_BY: Readonly<Record<ControlScope, readonly ControlScope[]>> = Object.freeze({
  'gatehouse:read': ['gatehouse:read', 'gatehouse:deploy', 'gatehouse:admin'],
  'gatehouse:deploy': ['gatehouse:deploy', 'gatehouse:admin'],
  'gatehouse:admin': ['gatehouse:admin'],
  'gatehouse:tokens': ['gatehouse:tokens', 'gatehouse:admin'],
});

export function isControlScope(scope: string): scope is ControlScope {
  return Object.hasOwn(COVERED_BY, scope);
}

/**
 * Does a credential holding `granted` cover `required`? The usual scope matching
 * (equality, `resource:*`, `*`, `admin:*`), plus the implications between control scopes.
 */
export function scopeCovered(granted: ReadonlySet<string>, required: string): boolean {
  if (scopeGranted(granted, required)) return true;
  if (!isControlScope(required)) return false;
  return COVERED_BY[required].some((s) => scopeGranted(granted, s));
}

/** The scopes a request is bounded by: undefined when the credential acts with its user's full rights. */
export function scopeLimitOf(identity: Identity): ReadonlySet<string> | undefined {
  return identity.restrictedToScopes ? identity.scopes : undefined;
}

/** Scopes of `requested` that a credential bounded by `limit` may not hand on (empty when unbounded). */
export function scopesBeyond(limit: ReadonlySet<string> | undefined, requested: readonly string[]): string[] {
  if (limit === undefined) return [];
  return requested.filter((s) => !scopeCovered(limit, s));
}
