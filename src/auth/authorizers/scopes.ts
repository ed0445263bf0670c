/**
 * Scope matching. A granted scope satisfies a required one when it is equal, when it is
 * `resource:*` and the required scope is `resource:<anything>`, or when it is one of the
 * global wildcards `*` and `admin:*` (the administrator scope, which grants everything).
 * Wildcards only ever appear on the granted side: a required `resource:*` must be granted
 * as exactly `resource:*`, `*` or `admin:*`.
 */
export const GLOBAL_SCOPE_WILDCARDS: ReadonlySet<string> = new Set(['*', 'admin:*']);

export function scopeGranted(granted: ReadonlySet<string>, required: string): boolean {
  if (granted.has(required)) return true;
  for (const wildcard of GLOBAL_SCOPE_WILDCARDS) if (granted.has(wildcard)) return true;
  const colon = required.indexOf(':');
  if (colon > 0 && granted.has(`${required.slice(0, colon)}:*`)) return true;
  return false;
}

/** Required scopes the grant does not cover (empty when all are covered). */
export function missingScopes(granted: ReadonlySet<string>, required: readonly string[]): string[] {
  const missing: string[] = [];
  for (const scope of required) if (!scopeGranted(granted, scope)) missing.push(scope);
  return missing;
}

/** Scopes from a claim: a space-delimited string (RFC 8693 `scope`) or an array of strings (`scp`). */
export function scopesFromClaim(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s !== '');
  return undefined;
}
