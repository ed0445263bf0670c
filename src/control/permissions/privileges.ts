/**
 * The privileges of PRODUCT.md section 1 and what each one implies. Everything here is
 * pure: callers resolve grants from the store and pass them in.
 *
 * Implication rules (each privilege also implies itself):
 *   global:          admin ⇒ createService (and, in authorize, every other privilege)
 *   infrastructure:  admin ⇒ deploy, view;  deploy ⇒ view
 *   service:         admin ⇒ write, deploy, read;  write ⇒ read;  deploy ⇒ read
 *   service owner    ⇒ service admin ("the creator becomes owner (full access)")
 *
 * `admin` implies everything below it because an admin may set the object's permissions:
 * withholding a privilege from an admin who can grant it to their own group would be
 * theatre. `write` (manage versions) and `deploy` are deliberately independent: a team may
 * let developers publish versions without letting them deploy, and the other way round.
 */

export const GLOBAL_PRIVILEGES = ['admin', 'createService'] as const;
export const INFRASTRUCTURE_PRIVILEGES = ['view', 'deploy', 'admin'] as const;
export const SERVICE_PRIVILEGES = ['read', 'write', 'deploy', 'admin'] as const;

export type GlobalPrivilege = (typeof GLOBAL_PRIVILEGES)[number];
export type InfrastructurePrivilege = (typeof INFRASTRUCTURE_PRIVILEGES)[number];
export type ServicePrivilege = (typeof SERVICE_PRIVILEGES)[number];

/** Per-group grants on one object (or the global grants of every group): group id → privileges. */
export type GrantMap<P extends string> = Readonly<Record<string, readonly P[]>>;

type Implications<P extends string> = Readonly<Record<P, readonly P[]>>;

export const GLOBAL_IMPLIES: Implications<GlobalPrivilege> = Object.freeze({
  admin: Object.freeze(['createService'] as const),
  createService: Object.freeze([] as const),
});

export const INFRASTRUCTURE_IMPLIES: Implications<InfrastructurePrivilege> = Object.freeze({
  view: Object.freeze([] as const),
  deploy: Object.freeze(['view'] as const),
  admin: Object.freeze(['deploy', 'view'] as const),
});

export const SERVICE_IMPLIES: Implications<ServicePrivilege> = Object.freeze({
  read: Object.freeze([] as const),
  write: Object.freeze(['read'] as const),
  deploy: Object.freeze(['read'] as const),
  admin: Object.freeze(['write', 'deploy', 'read'] as const),
});

function isKnown<P extends string>(implies: Implications<P>, value: unknown): value is P {
  return typeof value === 'string' && Object.hasOwn(implies, value);
}

/**
 * The closure of `held` under `implies`. Strings that are not privileges of this kind (a
 * corrupted or newer store record) are ignored: they grant nothing.
 */
export function closePrivileges<P extends string>(
  held: Iterable<unknown>,
  implies: Implications<P>,
): ReadonlySet<P> {
  const out = new Set<P>();
  const add = (p: P): void => {
    if (out.has(p)) return;
    out.add(p);
    for (const q of implies[p]) add(q);
  };
  for (const h of held) if (isKnown(implies, h)) add(h);
  return out;
}

/**
 * The privileges `grants` gives to members of `groups`, unioned over the groups. Only own
 * properties count, so a group named `__proto__` or `constructor` receives nothing it was
 * not explicitly granted; a value that is not an array is ignored.
 */
export function grantedToGroups<P extends string>(
  groups: readonly string[],
  grants: GrantMap<P>,
): readonly unknown[] {
  const out: unknown[] = [];
  for (const group of groups) {
    if (!Object.hasOwn(grants, group)) continue;
    const granted: unknown = grants[group];
    if (Array.isArray(granted)) out.push(...(granted as unknown[]));
  }
  return out;
}

/**
 * The global privileges of a user in `groups`, given every group's global grants: the
 * union over the user's groups (what an authenticator puts on a user principal).
 */
export function globalPrivilegesFromGroups(
  groups: readonly string[],
  groupGlobalGrants: GrantMap<GlobalPrivilege>,
): GlobalPrivilege[] {
  return [...closePrivileges(grantedToGroups(groups, groupGlobalGrants), GLOBAL_IMPLIES)];
}
