/**
 * /api/v1/groups: groups, their global privileges (admin, createService) and scopes.
 * Global admins only. Deleting a group removes its memberships and grants with it.
 */
import { idSchema } from '../../../config/schema-common.js';
import { groupSchema } from '../../../config/schema.js';
import { COLLECTIONS, groupRecordSchema, userRecordSchema, type GroupRecord } from '../../model.js';
import { listDocs } from '../../repository/documents.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';
import { sameId, type ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { duplicate, notFound, readOnly } from '../errors.js';
import { entryEtag } from '../etag.js';
import { fileGrantsTo, groupRemovalOps, type GroupRemoval } from '../group-delete.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { pageSchema, responses, UPDATE_ERRORS, WRITE_ERRORS } from '../schemas.js';
import { groupView, groupViewSchema } from '../views.js';

const tags = ['groups'];
const BASE = '/api/v1/groups';
const updateBody = groupSchema.omit({ id: true }).extend({ id: idSchema.optional() });

const ref = (id: string): DocumentRef<GroupRecord> => ({
  collection: COLLECTIONS.groups,
  id,
  schema: groupRecordSchema,
  kind: 'group',
});

export function groupEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx, catalog } = deps;
  const existing = async (id: string) => {
    const entry = await catalog.group(id);
    if (!entry) throw notFound('group', id);
    return entry;
  };
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: 'List groups (global admin)',
      tags,
      action: 'group.list',
      scope: 'gatehouse:read',
      write: false,
      requires: 'group.list',
      query: pageQuerySchema,
      responses: responses({ 200: { description: 'A page', body: pageSchema(groupViewSchema) } }, 403),
      handle: async ({ query }) => {
        const page = paginate(await catalog.groups(), (e) => e.value.id, query);
        return { status: 200, body: { items: page.items.map((e) => groupView(e)), next: page.next } };
      },
    }),
    endpoint({
      method: 'post',
      path: BASE,
      summary: 'Create a group (global admin)',
      tags,
      action: 'group.create',
      scope: 'gatehouse:admin',
      write: true,
      requires: 'group.create',
      body: groupSchema,
      responses: responses({ 201: { description: 'Created', body: groupViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ body, setTarget, write }) => {
        setTarget('group', body.id);
        if (ctx.fileConfig().groups.some((g) => g.id === body.id)) throw duplicate('group', body.id);
        await createDocument(ctx, ref(body.id), body, undefined, write);
        const created = await existing(body.id);
        return { status: 201, body: groupView(created, []), etag: entryEtag(created) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{id}`,
      summary: 'Read a group and its members (global admin)',
      tags,
      action: 'group.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'group',
      requires: 'group.read',
      responses: responses({ 200: { description: 'The group', body: groupViewSchema } }, 403, 404),
      handle: async ({ params }) => {
        const id = params.id as string;
        const entry = await existing(id);
        const users = await listDocs(ctx.store, COLLECTIONS.users, userRecordSchema);
        const members = users.filter((u) => u.value.groups.includes(id)).map((u) => u.value.id);
        return { status: 200, body: groupView(entry, members), etag: entryEtag(entry) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{id}`,
      summary: "Replace a group's description, global privileges and scopes (global admin)",
      tags,
      action: 'group.update',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'group',
      requires: 'group.update',
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: groupViewSchema } }, ...UPDATE_ERRORS),
      handle: async ({ params, body, write }) => {
        const id = params.id as string;
        if ((await existing(id)).source === 'config') throw readOnly('group', id);
        sameId(body.id, id);
        await updateDocument(ctx, ref(id), () => ({ ...body, id }), undefined, write);
        const updated = await existing(id);
        return { status: 200, body: groupView(updated), etag: entryEtag(updated) };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{id}`,
      summary:
        'Delete a group (global admin) with its memberships and its grants on infrastructures and services',
      tags,
      action: 'group.delete',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'group',
      requires: 'group.delete',
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409, 412),
      handle: async ({ params, write, addDetails }) => {
        const id = params.id as string;
        if ((await existing(id)).source === 'config') throw readOnly('group', id);
        let removal: GroupRemoval | undefined;
        await deleteDocument(
          ctx,
          ref(id),
          {
            blockers: () =>
              Promise.resolve({ kind: 'configuration-file grants', ids: fileGrantsTo(deps, id) }),
            cascade: async () => {
              removal = await groupRemovalOps(deps, id);
              return removal.ops;
            },
          },
          write,
        );
        if (removal) addDetails({ removed: removal.removed });
        return { status: 204 };
      },
    }),
  ];
}
