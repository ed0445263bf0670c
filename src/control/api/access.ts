/**
 * Turns stored objects into the facts the permission rules need, and the rules' answers
 * into HTTP: a caller who may not see an object gets 404 (as if it did not exist); one
 * who sees it but lacks the privilege gets 403 naming what is missing.
 */
import type { InfrastructureRecord, ServiceRecord } from '../model.js';
import {
  effectiveInfrastructurePrivileges,
  effectiveServicePrivileges,
  type Decision,
  type InfrastructureFacts,
  type Principal,
  type ServiceFacts,
} from '../permissions.js';
import { forbidden, HiddenError } from './errors.js';

export function serviceFacts(service: ServiceRecord): ServiceFacts {
  return {
    id: service.id,
    grants: service.permissions,
    ...(service.owner === undefined ? {} : { ownerId: service.owner }),
  };
}

export function infrastructureFacts(infrastructure: InfrastructureRecord): InfrastructureFacts {
  return { id: infrastructure.id, grants: infrastructure.permissions };
}

export function seesService(principal: Principal, service: ServiceRecord): boolean {
  return effectiveServicePrivileges(principal, serviceFacts(service)).has('read');
}

export function seesInfrastructure(principal: Principal, infrastructure: InfrastructureRecord): boolean {
  return effectiveInfrastructurePrivileges(principal, infrastructureFacts(infrastructure)).has('view');
}

/** A deployment is visible with read on its service and view on its infrastructure. */
export function seesDeployment(
  principal: Principal,
  service: ServiceRecord | undefined,
  infrastructure: InfrastructureRecord | undefined,
): boolean {
  return (
    service !== undefined &&
    infrastructure !== undefined &&
    seesService(principal, service) &&
    seesInfrastructure(principal, infrastructure)
  );
}

/** Throws 404 unless `visible`; the object's existence does not leak. */
export function mustSee(visible: boolean, kind: string, id: string): void {
  if (!visible) throw new HiddenError(kind, id);
}

/** Throws 403 naming what the caller lacks. */
export function allow(decision: Decision): void {
  if (!decision.allowed) throw forbidden(decision);
}
