/** /api/v1/infrastructures: named sets of upstream nodes. Global admins create and delete them. */
import type { z } from 'zod';
import { idSchema } from '../../../config/schema-common.js';
import { infrastructureSchema } from '../../../config/schema-upstream.js';
import { COLLECTIONS, infrastructureRecordSchema } from '../../model.js';
import { authorize } from '../../permissions.js';
import { allow, infrastructureFacts, mustSee, seesInfrastructure } from '../access.js';
import type { ApiDeps } from '../deps.js';
import { sameId } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { duplicate, notFound, readOnly } from '../errors.js';
import { entryEtag } from '../etag.js';
import { grantRefs, groupRefOps } from '../group-refs.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { pageSchema, responses, UPDATE_ERRORS, WRITE_ERRORS } from '../schemas.js';
import { infrastructureView, infrastructureViewSchema } from '../views.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';

const tags = ['infrastructures'];
const BASE = '/api/v1/infrastructures';
const updateBody = infrastructureSchema
  .omit({ id: true, permissions: true })
  .extend({ id: idSchema.optional() });

const ref = (id: string): DocumentRef<z.infer<typeof infrastructureRecordSchema>> => ({
  collection: COLLECTIONS.infrastructures,
  id,
  schema: infrastructureRecordSchema,
  kind: 'infrastructure',
});

/** The infrastructure if the caller may see it; 404 otherwise (as for a missing one). */
export async function visibleInfrastructure(
  { catalog }: Pick<ApiDeps, 'catalog'>,
  principal: Parameters<typeof seesInfrastructure>[0],
  id: string,
) {
  const entry = await catalog.infrastructure(id);
  if (!entry) throw notFound('infrastructure', id);
  mustSee(seesInfrastructure(principal, entry.value), 'infrastructure', id);
  return entry;
}

export function infrastructureEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  const visible = (principal: Parameters<typeof seesInfrastructure>[0], id: string) =>
    visibleInfrastructure(deps, principal, id);
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: 'List the infrastructures the caller may view',
      tags,
      action: 'infrastructure.list',
      scope: 'gatehouse:read',
      write: false,
      query: pageQuerySchema,
      responses: responses({ 200: { description: 'A page', body: pageSchema(infrastructureViewSchema) } }),
      handle: async ({ principal, query }) => {
        const all = await catalog.infrastructures();
        const seen = all.filter((e) => seesInfrastructure(principal, e.value));
        const page = paginate(seen, (e) => e.value.id, query);
        return { status: 200, body: { items: page.items.map(infrastructureView), next: page.next } };
      },
    }),
    endpoint({
      method: 'post',
      path: BASE,
      summary: 'Create an infrastructure (global admin)',
      tags,
      action: 'infrastructure.create',
      scope: 'gatehouse:admin',
      write: true,
      requires: 'infrastructure.create',
      body: infrastructureSchema,
      responses: responses(
        { 201: { description: 'Created', body: infrastructureViewSchema } },
        ...WRITE_ERRORS,
      ),
      handle: async ({ body, setTarget, write }) => {
        setTarget('infrastructure', body.id);
        if (ctx.fileConfig().infrastructures.some((i) => i.id === body.id))
          throw duplicate('infrastructure', body.id);
        await createDocument(
          ctx,
          ref(body.id),
          body,
          () => groupRefOps(deps, grantRefs(body.permissions)),
          write,
        );
        const entry = await catalog.infrastructure(body.id);
        return { status: 201, body: entry && infrastructureView(entry), etag: entry && entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{id}`,
      summary: 'Read an infrastructure (view)',
      tags,
      action: 'infrastructure.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'infrastructure',
      responses: responses(
        { 200: { description: 'The infrastructure', body: infrastructureViewSchema } },
        404,
      ),
      handle: async ({ principal, params }) => {
        const entry = await visible(principal, params.id as string);
        return { status: 200, body: infrastructureView(entry), etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{id}`,
      summary: "Replace an infrastructure's settings (infrastructure admin); permissions are kept",
      tags,
      action: 'infrastructure.update',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'infrastructure',
      body: updateBody,
      responses: responses(
        { 200: { description: 'Updated', body: infrastructureViewSchema } },
        ...UPDATE_ERRORS,
      ),
      handle: async ({ principal, params, body, write }) => {
        const id = params.id as string;
        const entry = await visible(principal, id);
        allow(
          authorize(principal, 'infrastructure.update', { infrastructure: infrastructureFacts(entry.value) }),
        );
        if (entry.source === 'config') throw readOnly('infrastructure', id);
        sameId(body.id, id);
        await updateDocument(
          ctx,
          ref(id),
          (current) => {
            allow(
              authorize(principal, 'infrastructure.update', {
                infrastructure: infrastructureFacts(current.value),
              }),
            );
            return { ...body, id, permissions: current.value.permissions };
          },
          undefined,
          write,
        );
        const updated = await catalog.infrastructure(id);
        return {
          status: 200,
          body: updated && infrastructureView(updated),
          etag: updated && entryEtag(updated),
        };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{id}`,
      summary: 'Delete an infrastructure no deployment uses (global admin)',
      tags,
      action: 'infrastructure.delete',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'infrastructure',
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409, 412),
      handle: async ({ principal, params, write }) => {
        const id = params.id as string;
        const entry = await visible(principal, id);
        allow(authorize(principal, 'infrastructure.delete'));
        if (entry.source === 'config') throw readOnly('infrastructure', id);
        await deleteDocument(
          ctx,
          ref(id),
          {
            blockers: async () => ({
              kind: 'deployments',
              ids: (await catalog.deployments())
                .filter((d) => d.value.infrastructure === id)
                .map((d) => d.value.id),
            }),
          },
          write,
        );
        return { status: 204 };
      },
    }),
  ];
}
