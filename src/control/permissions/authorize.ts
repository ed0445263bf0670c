/**
 * Interprets the permission table for one caller. Pure: the caller resolves the principal
 * and the grants on the objects involved from the store and passes them in.
 */
import {
  closePrivileges,
  GLOBAL_IMPLIES,
  GLOBAL_PRIVILEGES,
  grantedToGroups,
  INFRASTRUCTURE_IMPLIES,
  INFRASTRUCTURE_PRIVILEGES,
  SERVICE_IMPLIES,
  SERVICE_PRIVILEGES,
  type GlobalPrivilege,
  type GrantMap,
  type InfrastructurePrivilege,
  type ServicePrivilege,
} from './privileges.js';
import {
  isOperation,
  PERMISSION_TABLE,
  type Operation,
  type Requirement,
  type RequirementOf,
} from './table.js';

/** Who calls the admin API. An admin API key has full rights; anonymous has none. */
export type Principal =
  | { readonly kind: 'admin-key'; readonly keyId: string }
  | {
      readonly kind: 'user';
      readonly userId: string;
      readonly groups: readonly string[];
      /** The union of the global grants of the user's groups (see globalPrivilegesFromGroups). */
      readonly globalPrivileges: readonly GlobalPrivilege[];
    }
  | { readonly kind: 'anonymous' };

export interface ServiceFacts {
  readonly id: string;
  /** The user who created the service; absent when an admin API key created it. */
  readonly ownerId?: string;
  readonly grants: GrantMap<ServicePrivilege>;
}

export interface InfrastructureFacts {
  readonly id: string;
  readonly grants: GrantMap<InfrastructurePrivilege>;
}

/** The objects an operation acts on. A deployment operation passes its service and infrastructure. */
export interface AccessFacts {
  readonly service?: ServiceFacts;
  readonly infrastructure?: InfrastructureFacts;
}

type NeedsService<R> = R extends { readonly kind: 'service' | 'deployment' } ? true : false;
type NeedsInfrastructure<R> = R extends { readonly kind: 'infrastructure' | 'deployment' } ? true : false;

/** The facts an operation needs, required at the type level where the table says so. */
export type FactsFor<O extends Operation> = ([NeedsService<RequirementOf<O>>] extends [true]
  ? { readonly service: ServiceFacts }
  : { readonly service?: ServiceFacts }) &
  ([NeedsInfrastructure<RequirementOf<O>>] extends [true]
    ? { readonly infrastructure: InfrastructureFacts }
    : { readonly infrastructure?: InfrastructureFacts });

type FactsArgs<O extends Operation> = [
  NeedsService<RequirementOf<O>> | NeedsInfrastructure<RequirementOf<O>>,
] extends [false]
  ? [facts?: FactsFor<O>]
  : [facts: FactsFor<O>];

export type Decision =
  | { readonly allowed: true }
  /** `missing` names what the caller lacks, e.g. "needs deploy on service a and deploy on infrastructure b". */
  | { readonly allowed: false; readonly missing: string };

const ALLOW: Decision = Object.freeze({ allowed: true });
const deny = (missing: string): Decision => Object.freeze({ allowed: false, missing });

/** The caller's global privileges, closed under implication. */
export function globalPrivileges(principal: Principal): ReadonlySet<GlobalPrivilege> {
  switch (principal.kind) {
    case 'admin-key':
      return new Set(GLOBAL_PRIVILEGES);
    case 'user':
      return closePrivileges(principal.globalPrivileges, GLOBAL_IMPLIES);
    case 'anonymous':
      return new Set();
  }
}

/** What the caller may do on a service: for list endpoints, and for authorize. */
export function effectiveServicePrivileges(
  principal: Principal,
  service: ServiceFacts,
): ReadonlySet<ServicePrivilege> {
  if (principal.kind === 'anonymous') return new Set();
  if (principal.kind === 'admin-key' || globalPrivileges(principal).has('admin'))
    return new Set(SERVICE_PRIVILEGES);
  const held = grantedToGroups(principal.groups, service.grants);
  const isOwner =
    service.ownerId !== undefined && service.ownerId !== '' && service.ownerId === principal.userId;
  return closePrivileges(isOwner ? [...held, 'admin'] : held, SERVICE_IMPLIES);
}

/** What the caller may do on an infrastructure: for list endpoints, and for authorize. */
export function effectiveInfrastructurePrivileges(
  principal: Principal,
  infrastructure: InfrastructureFacts,
): ReadonlySet<InfrastructurePrivilege> {
  if (principal.kind === 'anonymous') return new Set();
  if (principal.kind === 'admin-key' || globalPrivileges(principal).has('admin')) {
    return new Set(INFRASTRUCTURE_PRIVILEGES);
  }
  return closePrivileges(grantedToGroups(principal.groups, infrastructure.grants), INFRASTRUCTURE_IMPLIES);
}

function required<T>(value: T | undefined, what: string, operation: Operation): T {
  // A router that forgets to load the object is a bug, not a denial: say so loudly.
  if (value === undefined) throw new TypeError(`authorize(${operation}): the ${what} facts are required`);
  return value;
}

function serviceGap(principal: Principal, s: ServiceFacts, privilege: ServicePrivilege): string | undefined {
  return effectiveServicePrivileges(principal, s).has(privilege)
    ? undefined
    : `${privilege} on service ${s.id}`;
}

function infrastructureGap(
  principal: Principal,
  i: InfrastructureFacts,
  privilege: InfrastructurePrivilege,
): string | undefined {
  return effectiveInfrastructurePrivileges(principal, i).has(privilege)
    ? undefined
    : `${privilege} on infrastructure ${i.id}`;
}

function decide(...gaps: (string | undefined)[]): Decision {
  const missing = gaps.filter((g): g is string => g !== undefined);
  return missing.length === 0 ? ALLOW : deny(`needs ${missing.join(' and ')}`);
}

/**
 * May `principal` perform `operation` on the objects in `facts`? Expected refusals are
 * values; an unknown operation or facts missing for the operation are caller bugs and throw.
 */
export function authorize<O extends Operation>(
  principal: Principal,
  operation: O,
  ...facts: FactsArgs<O>
): Decision;
export function authorize(principal: Principal, operation: Operation, facts: AccessFacts = {}): Decision {
  if (!isOperation(operation))
    throw new TypeError(`authorize: unknown operation ${JSON.stringify(operation)}`);
  if (principal.kind === 'anonymous') return deny('needs an authenticated caller');
  const requirement: Requirement = PERMISSION_TABLE[operation].requires;
  switch (requirement.kind) {
    case 'authenticated':
      return ALLOW;
    case 'user':
      return principal.kind === 'user'
        ? ALLOW
        : deny('needs a user identity (an admin API key has no account of its own)');
    case 'global':
      return globalPrivileges(principal).has(requirement.privilege)
        ? ALLOW
        : deny(`needs the global privilege ${requirement.privilege}`);
    case 'service': {
      const s = required(facts.service, 'service', operation);
      return decide(serviceGap(principal, s, requirement.privilege));
    }
    case 'infrastructure': {
      const i = required(facts.infrastructure, 'infrastructure', operation);
      return decide(infrastructureGap(principal, i, requirement.privilege));
    }
    case 'deployment': {
      const s = required(facts.service, 'service', operation);
      const i = required(facts.infrastructure, 'infrastructure', operation);
      return decide(
        serviceGap(principal, s, requirement.service),
        infrastructureGap(principal, i, requirement.infrastructure),
      );
    }
  }
}

/** A requirement in words, for the admin API's documentation and error catalogue. */
export function describeRequirement(requirement: Requirement): string {
  switch (requirement.kind) {
    case 'authenticated':
      return 'any authenticated caller';
    case 'user':
      return 'a user (not an admin API key)';
    case 'global':
      return `global ${requirement.privilege}`;
    case 'service':
      return `${requirement.privilege} on the service`;
    case 'infrastructure':
      return `${requirement.privilege} on the infrastructure`;
    case 'deployment':
      return `${requirement.service} on the service and ${requirement.infrastructure} on the infrastructure`;
  }
}
