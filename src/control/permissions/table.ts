/**
 * Every control-plane operation and what it requires: the one table the admin API
 * consults. PRODUCT.md section 1 is the source; where it is silent the choice is noted
 * beside the row. `authorize` (authorize.ts) only interprets this table.
 */
import type { GlobalPrivilege, InfrastructurePrivilege, ServicePrivilege } from './privileges.js';

export type Requirement =
  /** Any caller but an anonymous one (admin API key or user). */
  | { readonly kind: 'authenticated' }
  /** A user: self-service on the caller's own account, which an admin API key does not have. */
  | { readonly kind: 'user' }
  | { readonly kind: 'global'; readonly privilege: GlobalPrivilege }
  | { readonly kind: 'service'; readonly privilege: ServicePrivilege }
  | { readonly kind: 'infrastructure'; readonly privilege: InfrastructurePrivilege }
  /** Both at once: a deployment is a service on an infrastructure. */
  | {
      readonly kind: 'deployment';
      readonly service: ServicePrivilege;
      readonly infrastructure: InfrastructurePrivilege;
    };

export interface PermissionRule {
  readonly requires: Requirement;
  readonly summary: string;
  /** List operations: the caller sees only the items this operation allows, item by item. */
  readonly filteredBy?: string;
}

const AUTHENTICATED = { kind: 'authenticated' } as const;
const USER = { kind: 'user' } as const;
const GLOBAL_ADMIN = { kind: 'global', privilege: 'admin' } as const;
const infra = <P extends InfrastructurePrivilege>(privilege: P) =>
  ({ kind: 'infrastructure', privilege }) as const;
const service = <P extends ServicePrivilege>(privilege: P) => ({ kind: 'service', privilege }) as const;
const DEPLOYMENT_READ = { kind: 'deployment', service: 'read', infrastructure: 'view' } as const;
const DEPLOYMENT_DEPLOY = { kind: 'deployment', service: 'deploy', infrastructure: 'deploy' } as const;

const TABLE = {
  // Infrastructures. "Only global admins create infrastructures"; infra admin = "settings and
  // permissions". Delete is not among the infra admin's rights in PRODUCT.md (unlike service
  // admin, whose rights name delete), and it removes other teams' deployments: global admin.
  'infrastructure.create': { requires: GLOBAL_ADMIN, summary: 'Create an infrastructure' },
  'infrastructure.list': {
    requires: AUTHENTICATED,
    summary: 'List infrastructures',
    filteredBy: 'infrastructure.read',
  },
  'infrastructure.read': { requires: infra('view'), summary: 'Read an infrastructure' },
  'infrastructure.update': { requires: infra('admin'), summary: "Change an infrastructure's settings" },
  'infrastructure.delete': { requires: GLOBAL_ADMIN, summary: 'Delete an infrastructure' },
  'infrastructure.permissions.read': {
    requires: infra('admin'),
    summary: "Read an infrastructure's group privileges",
  },
  'infrastructure.permissions.update': {
    requires: infra('admin'),
    summary: "Change an infrastructure's group privileges",
  },

  // Services. Creating needs createService (global admin implies it); the creator is owner.
  'service.create': { requires: { kind: 'global', privilege: 'createService' }, summary: 'Create a service' },
  'service.list': { requires: AUTHENTICATED, summary: 'List services', filteredBy: 'service.read' },
  'service.read': { requires: service('read'), summary: 'Read a service' },
  'service.update': { requires: service('admin'), summary: "Change a service's settings" },
  'service.delete': { requires: service('admin'), summary: 'Delete a service' },
  'service.permissions.read': { requires: service('admin'), summary: "Read a service's group privileges" },
  'service.permissions.update': {
    requires: service('admin'),
    summary: "Change a service's group privileges",
  },

  // Versions: write = "manage versions"; read sees them.
  'version.list': { requires: service('read'), summary: "List a service's versions" },
  'version.read': { requires: service('read'), summary: 'Read a version' },
  'version.create': { requires: service('write'), summary: 'Create a version' },
  'version.update': { requires: service('write'), summary: 'Change a version' },
  'version.delete': { requires: service('write'), summary: 'Delete a version' },

  // Service API keys, valid on every deployment of the service. read shows their metadata
  // (PRODUCT.md). Issuing or revoking one opens or closes every deployment, on every
  // infrastructure, including those where the caller cannot deploy: a service setting, admin.
  'service.apiKey.list': { requires: service('read'), summary: "List a service's API keys (metadata)" },
  'service.apiKey.create': { requires: service('admin'), summary: 'Create a service API key' },
  'service.apiKey.revoke': { requires: service('admin'), summary: 'Revoke a service API key' },

  // Deployments: read on the service and view on the infrastructure to see one; deploy on
  // both to create, update, enable or disable one (PRODUCT.md). Delete undoes create: same.
  'deployment.list': { requires: AUTHENTICATED, summary: 'List deployments', filteredBy: 'deployment.read' },
  'deployment.read': { requires: DEPLOYMENT_READ, summary: 'Read a deployment' },
  'deployment.create': { requires: DEPLOYMENT_DEPLOY, summary: 'Create a deployment' },
  'deployment.update': { requires: DEPLOYMENT_DEPLOY, summary: 'Change a deployment' },
  'deployment.enable': { requires: DEPLOYMENT_DEPLOY, summary: 'Enable a deployment' },
  'deployment.disable': { requires: DEPLOYMENT_DEPLOY, summary: 'Disable a deployment' },
  'deployment.delete': { requires: DEPLOYMENT_DEPLOY, summary: 'Delete a deployment' },

  // Deployment API keys belong to the deployment's overridden authorization settings,
  // which deploy on both governs; their metadata is visible to whoever sees the deployment.
  'deployment.apiKey.list': { requires: DEPLOYMENT_READ, summary: "List a deployment's API keys (metadata)" },
  'deployment.apiKey.create': { requires: DEPLOYMENT_DEPLOY, summary: 'Create a deployment API key' },
  'deployment.apiKey.revoke': { requires: DEPLOYMENT_DEPLOY, summary: 'Revoke a deployment API key' },

  // Groups, users, system settings and the audit log: global admins only. (Listing groups
  // is admin-only too: a service admin grants privileges by group id.)
  'group.list': { requires: GLOBAL_ADMIN, summary: 'List groups' },
  'group.read': { requires: GLOBAL_ADMIN, summary: 'Read a group and its members' },
  'group.create': { requires: GLOBAL_ADMIN, summary: 'Create a group' },
  'group.update': { requires: GLOBAL_ADMIN, summary: 'Change a group, including its global privileges' },
  'group.delete': { requires: GLOBAL_ADMIN, summary: 'Delete a group' },
  'group.members.update': { requires: GLOBAL_ADMIN, summary: "Change a group's members" },
  'user.list': { requires: GLOBAL_ADMIN, summary: 'List users' },
  'user.read': { requires: GLOBAL_ADMIN, summary: 'Read a user' },
  'user.create': { requires: GLOBAL_ADMIN, summary: 'Create a local user' },
  'user.update': { requires: GLOBAL_ADMIN, summary: 'Change a user' },
  'user.delete': { requires: GLOBAL_ADMIN, summary: 'Delete a user' },
  'user.tokens.list': { requires: GLOBAL_ADMIN, summary: "List a user's tokens and refresh tokens" },
  'user.tokens.revoke': { requires: GLOBAL_ADMIN, summary: "Revoke a user's tokens or refresh tokens" },
  'settings.read': { requires: GLOBAL_ADMIN, summary: 'Read system settings' },
  'settings.update': {
    requires: GLOBAL_ADMIN,
    summary: 'Change system settings (maximumRefreshTokenLifetime, implicit login)',
  },
  'audit.read': { requires: GLOBAL_ADMIN, summary: 'Read the audit log' },

  // The caller's own account. `me.read` is a token check an admin API key may make too;
  // the rest act on a user's profile, personal tokens and refresh tokens, which a key lacks.
  'me.read': { requires: AUTHENTICATED, summary: 'Read the caller (users/me)' },
  'me.update': { requires: USER, summary: "Change the caller's own profile or password" },
  'me.tokens.list': { requires: USER, summary: "List the caller's personal API tokens" },
  'me.tokens.create': { requires: USER, summary: 'Create a personal API token' },
  'me.tokens.revoke': { requires: USER, summary: "Revoke one of the caller's personal API tokens" },
  'me.refreshTokens.list': { requires: USER, summary: "List the caller's refresh tokens (one per client)" },
  'me.refreshTokens.revoke': { requires: USER, summary: "Revoke one of the caller's refresh tokens" },
} as const satisfies Readonly<Record<string, PermissionRule>>;

for (const rule of Object.values(TABLE)) Object.freeze(Object.freeze(rule).requires);

/** The requirement table, frozen: `PERMISSION_TABLE[operation].requires`. */
export const PERMISSION_TABLE: typeof TABLE = Object.freeze(TABLE);

export type Operation = keyof typeof TABLE;

/** Every operation, in table order. */
export const OPERATIONS: readonly Operation[] = Object.freeze(Object.keys(TABLE) as Operation[]);

export function isOperation(value: unknown): value is Operation {
  return typeof value === 'string' && Object.hasOwn(TABLE, value);
}

export type RequirementOf<O extends Operation> = (typeof TABLE)[O]['requires'];
