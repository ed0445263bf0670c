/** /api/v1/services: API services. Creating one needs createService; the creator becomes owner. */
import { z } from 'zod';
import { idSchema } from '../../../config/schema-common.js';
import { servicePermissionsSchema } from '../../../config/schema.js';
import { COLLECTIONS, serviceRecordSchema, versionRecordSchema, type ServiceRecord } from '../../model.js';
import { authorize, type Principal } from '../../permissions.js';
import { deleteKeyOps, keysOfScope } from '../../repository/api-keys.js';
import { listDocs } from '../../repository/documents.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';
import { allow, mustSee, seesService, serviceFacts } from '../access.js';
import { sameId, type ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { duplicate, notFound, readOnly } from '../errors.js';
import { entryEtag } from '../etag.js';
import { grantRefs, groupRefOps, ownerRefOps } from '../group-refs.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { pageSchema, responses, UPDATE_ERRORS, WRITE_ERRORS } from '../schemas.js';
import { serviceView, serviceViewSchema } from '../views.js';

const tags = ['services'];
const BASE = '/api/v1/services';

const createBody = z.strictObject({
  id: idSchema,
  description: z.string().max(1000).optional(),
  permissions: servicePermissionsSchema,
});
const updateBody = z.strictObject({
  id: idSchema.optional(),
  description: z.string().max(1000).optional(),
  /** Transfers ownership (service admin). */
  owner: z.string().min(1).max(200).optional(),
});

const ref = (id: string): DocumentRef<ServiceRecord> => ({
  collection: COLLECTIONS.services,
  id,
  schema: serviceRecordSchema,
  kind: 'service',
});

/** The service if the caller may read it; 404 otherwise. */
export async function visibleService({ catalog }: ApiDeps, principal: Principal, id: string) {
  const entry = await catalog.service(id);
  if (!entry) throw notFound('service', id);
  mustSee(seesService(principal, entry.value), 'service', id);
  return entry;
}

export function serviceEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: 'List the services the caller may read',
      tags,
      action: 'service.list',
      scope: 'gatehouse:read',
      write: false,
      query: pageQuerySchema,
      responses: responses({ 200: { description: 'A page', body: pageSchema(serviceViewSchema) } }),
      handle: async ({ principal, query }) => {
        const seen = (await catalog.services()).filter((e) => seesService(principal, e.value));
        const page = paginate(seen, (e) => e.value.id, query);
        return { status: 200, body: { items: page.items.map(serviceView), next: page.next } };
      },
    }),
    endpoint({
      method: 'post',
      path: BASE,
      summary: 'Create a service (global createService); the creating user becomes its owner',
      tags,
      action: 'service.create',
      scope: 'gatehouse:deploy',
      write: true,
      requires: 'service.create',
      body: createBody,
      responses: responses({ 201: { description: 'Created', body: serviceViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ principal, body, setTarget, write }) => {
        setTarget('service', body.id);
        if (ctx.fileConfig().services.some((s) => s.id === body.id)) throw duplicate('service', body.id);
        const record: ServiceRecord = {
          ...body,
          ...(principal.kind === 'user' ? { owner: principal.userId } : {}),
        };
        await createDocument(
          ctx,
          ref(body.id),
          record,
          () => groupRefOps(deps, grantRefs(body.permissions)),
          write,
        );
        const entry = await catalog.service(body.id);
        return { status: 201, body: entry && serviceView(entry), etag: entry && entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{id}`,
      summary: 'Read a service (read)',
      tags,
      action: 'service.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'service',
      responses: responses({ 200: { description: 'The service', body: serviceViewSchema } }, 404),
      handle: async ({ principal, params }) => {
        const entry = await visibleService(deps, principal, params.id as string);
        return { status: 200, body: serviceView(entry), etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{id}`,
      summary: "Replace a service's description or owner (service admin); permissions are kept",
      tags,
      action: 'service.update',
      scope: 'gatehouse:deploy',
      write: true,
      targetType: 'service',
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: serviceViewSchema } }, ...UPDATE_ERRORS),
      handle: async ({ principal, params, body, write }) => {
        const id = params.id as string;
        const entry = await visibleService(deps, principal, id);
        allow(authorize(principal, 'service.update', { service: serviceFacts(entry.value) }));
        if (entry.source === 'config') throw readOnly('service', id);
        sameId(body.id, id);
        await updateDocument(
          ctx,
          ref(id),
          (current) => {
            allow(authorize(principal, 'service.update', { service: serviceFacts(current.value) }));
            const { owner, description } = body;
            return {
              id,
              permissions: current.value.permissions,
              ...(description === undefined ? {} : { description }),
              ...(owner === undefined
                ? current.value.owner === undefined
                  ? {}
                  : { owner: current.value.owner }
                : { owner }),
            };
          },
          // A new owner must be a stored user; keeping the current one needs no check.
          async (current, next) =>
            next.owner !== undefined && next.owner !== current.value.owner
              ? ownerRefOps(deps, next.owner)
              : [],
          write,
        );
        const updated = await catalog.service(id);
        return { status: 200, body: updated && serviceView(updated), etag: updated && entryEtag(updated) };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{id}`,
      summary: 'Delete a service with its versions and API keys, if no deployment uses it (service admin)',
      tags,
      action: 'service.delete',
      scope: 'gatehouse:deploy',
      write: true,
      targetType: 'service',
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409, 412),
      handle: async ({ principal, params, write }) => {
        const id = params.id as string;
        const entry = await visibleService(deps, principal, id);
        allow(authorize(principal, 'service.delete', { service: serviceFacts(entry.value) }));
        if (entry.source === 'config') throw readOnly('service', id);
        await deleteDocument(
          ctx,
          ref(id),
          {
            check: (current) =>
              allow(authorize(principal, 'service.delete', { service: serviceFacts(current.value) })),
            blockers: async () => ({
              kind: 'deployments',
              ids: (await catalog.deployments()).filter((d) => d.value.service === id).map((d) => d.value.id),
            }),
            cascade: async () => {
              const versions = await listDocs(ctx.store, COLLECTIONS.versions, versionRecordSchema, {
                prefix: `${id}/`,
              });
              return [
                ...versions.map((v) => ({
                  op: 'delete' as const,
                  collection: COLLECTIONS.versions,
                  id: `${id}/${v.value.id}`,
                  expectedRevision: v.revision,
                })),
                ...deleteKeyOps(await keysOfScope(ctx.store, { type: 'service', id })),
              ];
            },
          },
          write,
        );
        return { status: 204 };
      },
    }),
  ];
}
