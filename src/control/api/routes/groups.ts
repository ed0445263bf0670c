/** /api/v1/groups: groups, their global privileges (admin, createService) and scopes. Global admins only. */
import { idSchema } from '../../../config/schema-common.js';
import { groupSchema } from '../../../config/schema.js';
import { COLLECTIONS, groupRecordSchema, userRecordSchema, type GroupRecord } from '../../model.js';
import { listDocs } from '../../repository/documents.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';
import { sameId, type ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { duplicate, notFound, readOnly } from '../errors.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { pageSchema, responses, WRITE_ERRORS } from '../schemas.js';
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

export function groupEndpoints({ ctx, catalog }: ApiDeps): Endpoint[] {
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
      write: true,
      requires: 'group.create',
      body: groupSchema,
      responses: responses({ 201: { description: 'Created', body: groupViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ body, setTarget }) => {
        setTarget('group', body.id);
        if (ctx.fileConfig().groups.some((g) => g.id === body.id)) throw duplicate('group', body.id);
        await createDocument(ctx, ref(body.id), body);
        return { status: 201, body: groupView(await existing(body.id), []) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{id}`,
      summary: 'Read a group and its members (global admin)',
      tags,
      action: 'group.read',
      write: false,
      targetType: 'group',
      requires: 'group.read',
      responses: responses({ 200: { description: 'The group', body: groupViewSchema } }, 403, 404),
      handle: async ({ params }) => {
        const id = params.id as string;
        const entry = await existing(id);
        const users = await listDocs(ctx.store, COLLECTIONS.users, userRecordSchema);
        const members = users.filter((u) => u.value.groups.includes(id)).map((u) => u.value.id);
        return { status: 200, body: groupView(entry, members) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{id}`,
      summary: "Replace a group's description, global privileges and scopes (global admin)",
      tags,
      action: 'group.update',
      write: true,
      targetType: 'group',
      requires: 'group.update',
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: groupViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ params, body }) => {
        const id = params.id as string;
        if ((await existing(id)).source === 'config') throw readOnly('group', id);
        sameId(body.id, id);
        await updateDocument(ctx, ref(id), () => ({ ...body, id }));
        return { status: 200, body: groupView(await existing(id)) };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{id}`,
      summary:
        "Delete a group (global admin): its global privileges and scopes go; objects' grants to it stay",
      tags,
      action: 'group.delete',
      write: true,
      targetType: 'group',
      requires: 'group.delete',
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 409),
      handle: async ({ params }) => {
        const id = params.id as string;
        if ((await existing(id)).source === 'config') throw readOnly('group', id);
        await deleteDocument(ctx, ref(id));
        return { status: 204 };
      },
    }),
  ];
}
