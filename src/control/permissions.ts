/**
 * The control plane's permission rules (PRODUCT.md section 1) as one pure, table-driven
 * module: privileges and their implications (permissions/privileges.ts), the operation →
 * requirement table (permissions/table.ts) and its interpreter (permissions/authorize.ts).
 * Admin API routers resolve the caller and the objects' grants from the store, then ask
 * `authorize`; list endpoints filter items with the `effective*Privileges` helpers.
 */
export {
  GLOBAL_PRIVILEGES,
  INFRASTRUCTURE_PRIVILEGES,
  SERVICE_PRIVILEGES,
  GLOBAL_IMPLIES,
  INFRASTRUCTURE_IMPLIES,
  SERVICE_IMPLIES,
  globalPrivilegesFromGroups,
  type GlobalPrivilege,
  type GrantMap,
  type InfrastructurePrivilege,
  type ServicePrivilege,
} from './permissions/privileges.js';
export {
  OPERATIONS,
  PERMISSION_TABLE,
  isOperation,
  type Operation,
  type PermissionRule,
  type Requirement,
  type RequirementOf,
} from './permissions/table.js';
export {
  authorize,
  describeRequirement,
  effectiveInfrastructurePrivileges,
  effectiveServicePrivileges,
  globalPrivileges,
  type AccessFacts,
  type Decision,
  type FactsFor,
  type InfrastructureFacts,
  type Principal,
  type ServiceFacts,
} from './permissions/authorize.js';
