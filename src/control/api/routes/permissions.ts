/**
 * Per-group privileges on an object: /api/v1/infrastructures/{id}/permissions
 * (view, deploy, admin) and /api/v1/services/{id}/permissions (read, write, deploy, admin).
 * Body and answer: `{"permissions": {"<group>": ["<privilege>", ...]}}`. Object admins only.
 */
import { z } from 'zod';
import { idSchema } from '../../../config/schema-common.js';
import { COLLECTIONS, infrastructureRecordSchema, serviceRecordSchema } from '../../model.js';
import { authorize, INFRASTRUCTURE_PRIVILEGES, SERVICE_PRIVILEGES } from '../../permissions.js';
import { updateDocument } from '../../repository/writes.js';
import type { Principal } from '../../permissions.js';
import { allow, infrastructureFacts, serviceFacts } from '../access.js';
import type { ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { readOnly } from '../errors.js';
import { entryEtag } from '../etag.js';
import { grantRefs, groupRefOps } from '../group-refs.js';
import { responses } from '../schemas.js';
import { visibleInfrastructure } from './infrastructures.js';
import { visibleService } from './services.js';

const grants = <P extends readonly [string, ...string[]]>(privileges: P) =>
  z.strictObject({
    permissions: z
      .record(idSchema, z.array(z.enum(privileges)).max(privileges.length))
      .describe('Group id → privileges granted to its members.'),
  });
const infraBody = grants(INFRASTRUCTURE_PRIVILEGES);
const serviceBody = grants(SERVICE_PRIVILEGES);

const dedupe = <T extends string>(map: Readonly<Record<string, readonly T[]>>): Record<string, T[]> =>
  Object.fromEntries(Object.entries(map).map(([group, list]) => [group, [...new Set(list)]]));

export function permissionEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  // Every granted group must exist; the touches make a concurrent delete of one re-read its grants.
  const grantGuard = (permissions: Readonly<Record<string, unknown>>) => () =>
    groupRefOps(deps, grantRefs(permissions));
  const infrastructure = (principal: Principal, id: string) => visibleInfrastructure(deps, principal, id);
  return [
    endpoint({
      method: 'get',
      path: '/api/v1/infrastructures/{id}/permissions',
      summary: "Read an infrastructure's group privileges (infrastructure admin)",
      tags: ['infrastructures'],
      action: 'infrastructure.permissions.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'infrastructure',
      responses: responses({ 200: { description: 'The grants', body: infraBody } }, 403, 404),
      handle: async ({ principal, params }) => {
        const entry = await infrastructure(principal, params.id as string);
        allow(
          authorize(principal, 'infrastructure.permissions.read', {
            infrastructure: infrastructureFacts(entry.value),
          }),
        );
        return { status: 200, body: { permissions: entry.value.permissions }, etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: '/api/v1/infrastructures/{id}/permissions',
      summary: "Replace an infrastructure's group privileges (infrastructure admin)",
      tags: ['infrastructures'],
      action: 'infrastructure.permissions.update',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'infrastructure',
      body: infraBody,
      responses: responses(
        { 200: { description: 'The new grants', body: infraBody } },
        403,
        404,
        409,
        412,
        413,
        415,
        422,
      ),
      handle: async ({ principal, params, body, addDetails, write }) => {
        const id = params.id as string;
        const entry = await infrastructure(principal, id);
        allow(
          authorize(principal, 'infrastructure.permissions.update', {
            infrastructure: infrastructureFacts(entry.value),
          }),
        );
        if (entry.source === 'config') throw readOnly('infrastructure', id);
        const permissions = dedupe(body.permissions);
        addDetails({ permissions });
        await updateDocument(
          ctx,
          {
            collection: COLLECTIONS.infrastructures,
            id,
            schema: infrastructureRecordSchema,
            kind: 'infrastructure',
          },
          (current) => {
            allow(
              authorize(principal, 'infrastructure.permissions.update', {
                infrastructure: infrastructureFacts(current.value),
              }),
            );
            return { ...current.value, permissions };
          },
          grantGuard(permissions),
          write,
        );
        const updated = await catalog.infrastructure(id);
        return { status: 200, body: { permissions }, etag: updated && entryEtag(updated) };
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/v1/services/{id}/permissions',
      summary: "Read a service's group privileges (service admin)",
      tags: ['services'],
      action: 'service.permissions.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'service',
      responses: responses({ 200: { description: 'The grants', body: serviceBody } }, 403, 404),
      handle: async ({ principal, params }) => {
        const entry = await visibleService(deps, principal, params.id as string);
        allow(authorize(principal, 'service.permissions.read', { service: serviceFacts(entry.value) }));
        return { status: 200, body: { permissions: entry.value.permissions }, etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: '/api/v1/services/{id}/permissions',
      summary: "Replace a service's group privileges (service admin)",
      tags: ['services'],
      action: 'service.permissions.update',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'service',
      body: serviceBody,
      responses: responses(
        { 200: { description: 'The new grants', body: serviceBody } },
        403,
        404,
        409,
        412,
        413,
        415,
        422,
      ),
      handle: async ({ principal, params, body, addDetails, write }) => {
        const id = params.id as string;
        const entry = await visibleService(deps, principal, id);
        allow(authorize(principal, 'service.permissions.update', { service: serviceFacts(entry.value) }));
        if (entry.source === 'config') throw readOnly('service', id);
        const permissions = dedupe(body.permissions);
        addDetails({ permissions });
        await updateDocument(
          ctx,
          { collection: COLLECTIONS.services, id, schema: serviceRecordSchema, kind: 'service' },
          (current) => {
            allow(
              authorize(principal, 'service.permissions.update', { service: serviceFacts(current.value) }),
            );
            return { ...current.value, permissions };
          },
          grantGuard(permissions),
          write,
        );
        const updated = await catalog.service(id);
        return { status: 200, body: { permissions }, etag: updated && entryEtag(updated) };
      },
    }),
  ];
}
