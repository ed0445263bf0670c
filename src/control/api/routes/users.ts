/**
 * /api/v1/users: local users (password write-only, stored as an scrypt hash) and their
 * groups. Global admins only. `me` is reserved for the token service's /users/me.
 */
import { z } from 'zod';
import { idSchema } from '../../../config/schema-common.js';
import { COLLECTIONS, userRecordSchema, type UserRecord } from '../../model.js';
import { hashPassword } from '../../passwords.js';
import { getDoc, listDocs } from '../../repository/documents.js';
import { createDocument, deleteDocument, updateDocument, type DocumentRef } from '../../repository/writes.js';
import { sameId, type ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { notFound } from '../errors.js';
import { etagOf } from '../etag.js';
import { groupRefOps, membershipRefs } from '../group-refs.js';
import { paginate, pageQuerySchema } from '../pagination.js';
import { pageSchema, responses, UPDATE_ERRORS, WRITE_ERRORS } from '../schemas.js';
import { userView, userViewSchema } from '../views.js';

const tags = ['users'];
const BASE = '/api/v1/users';
export const RESERVED_USER_IDS: ReadonlySet<string> = new Set(['me']);

const fields = {
  displayName: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  groups: z.array(idSchema).max(200).default([]),
  /** Write-only; stored as an scrypt hash. Absent on update: unchanged. */
  password: z.string().min(8, 'must be at least 8 characters').max(1024).optional(),
  disabled: z.boolean().default(false),
};
const createBody = z.strictObject({
  id: idSchema.refine((id) => !RESERVED_USER_IDS.has(id), 'is reserved'),
  ...fields,
});
const updateBody = z.strictObject({ id: idSchema.optional(), ...fields });

const ref = (id: string): DocumentRef<UserRecord> => ({
  collection: COLLECTIONS.users,
  id,
  schema: userRecordSchema,
  kind: 'user',
});

const isMe = (req: { params: Record<string, unknown> }): boolean => req.params.id === 'me';

/**
 * The times the token service revokes by (docs/tokens.md, "Token lifecycle"): a password
 * set kills the user's older refresh tokens (and personal tokens, by default); a disable
 * kills every older token for good, re-enabling included. Both are kept across updates.
 */
function tokenFloors(
  current: UserRecord,
  passwordSet: boolean,
  disabled: boolean,
  now: number,
): Pick<UserRecord, 'passwordChangedAt' | 'disabledAt'> {
  const passwordChangedAt = passwordSet ? now : current.passwordChangedAt;
  const disabledAt = disabled && !current.disabled ? now : current.disabledAt;
  return {
    ...(passwordChangedAt === undefined ? {} : { passwordChangedAt }),
    ...(disabledAt === undefined ? {} : { disabledAt }),
  };
}

export function userEndpoints(deps: ApiDeps): Endpoint[] {
  const { ctx } = deps;
  // Every group a user joins must exist; the touches make a concurrent delete of one re-read its members.
  const membershipGuard = (groups: readonly string[]) => () => groupRefOps(deps, membershipRefs(groups));
  const existing = async (id: string) => {
    const stored = await getDoc(ctx.store, COLLECTIONS.users, id, userRecordSchema);
    if (!stored) throw notFound('user', id);
    return stored;
  };
  return [
    endpoint({
      method: 'get',
      path: BASE,
      summary: 'List users (global admin)',
      tags,
      action: 'user.list',
      scope: 'gatehouse:read',
      write: false,
      requires: 'user.list',
      query: pageQuerySchema,
      responses: responses({ 200: { description: 'A page', body: pageSchema(userViewSchema) } }, 403),
      handle: async ({ query }) => {
        const page = paginate(
          await listDocs(ctx.store, COLLECTIONS.users, userRecordSchema),
          (u) => u.value.id,
          query,
        );
        return { status: 200, body: { items: page.items.map(userView), next: page.next } };
      },
    }),
    endpoint({
      method: 'post',
      path: BASE,
      summary: 'Create a local user (global admin)',
      tags,
      action: 'user.create',
      scope: 'gatehouse:admin',
      write: true,
      requires: 'user.create',
      body: createBody,
      responses: responses({ 201: { description: 'Created', body: userViewSchema } }, ...WRITE_ERRORS),
      handle: async ({ body, setTarget, write }) => {
        setTarget('user', body.id);
        const { password, ...rest } = body;
        const record: UserRecord = {
          ...rest,
          ...(password === undefined ? {} : { passwordHash: await hashPassword(password) }),
          source: 'local',
          createdAt: ctx.clock.now(),
        };
        await createDocument(ctx, ref(body.id), record, membershipGuard(record.groups), write);
        const created = await existing(body.id);
        return { status: 201, body: userView(created), etag: etagOf(created) };
      },
    }),
    endpoint({
      method: 'get',
      path: `${BASE}/{id}`,
      summary: 'Read a user (global admin); never the password',
      tags,
      action: 'user.read',
      scope: 'gatehouse:read',
      write: false,
      targetType: 'user',
      requires: 'user.read',
      skip: isMe,
      responses: responses({ 200: { description: 'The user', body: userViewSchema } }, 403, 404),
      handle: async ({ params }) => {
        const stored = await existing(params.id as string);
        return { status: 200, body: userView(stored), etag: etagOf(stored) };
      },
    }),
    endpoint({
      method: 'put',
      path: `${BASE}/{id}`,
      summary: 'Replace a user (global admin); a password given is re-hashed, an absent one is kept',
      tags,
      action: 'user.update',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'user',
      requires: 'user.update',
      skip: isMe,
      body: updateBody,
      responses: responses({ 200: { description: 'Updated', body: userViewSchema } }, ...UPDATE_ERRORS),
      handle: async ({ params, body, addDetails, write }) => {
        const id = params.id as string;
        sameId(body.id, id);
        const { password, id: _id, ...rest } = body;
        const passwordHash = password === undefined ? undefined : await hashPassword(password);
        if (passwordHash !== undefined) addDetails({ passwordChanged: true });
        const updated = await updateDocument(
          ctx,
          ref(id),
          (current) => {
            const keep = passwordHash ?? current.value.passwordHash;
            return {
              ...rest,
              id,
              source: current.value.source,
              createdAt: current.value.createdAt,
              ...(keep === undefined ? {} : { passwordHash: keep }),
              ...tokenFloors(current.value, passwordHash !== undefined, rest.disabled, ctx.clock.now()),
            };
          },
          membershipGuard(rest.groups),
          write,
        );
        return { status: 200, body: userView(updated), etag: etagOf(updated) };
      },
    }),
    endpoint({
      method: 'delete',
      path: `${BASE}/{id}`,
      summary: 'Delete a user (global admin)',
      tags,
      action: 'user.delete',
      scope: 'gatehouse:admin',
      write: true,
      targetType: 'user',
      requires: 'user.delete',
      skip: isMe,
      responses: responses({ 204: { description: 'Deleted' } }, 403, 404, 412),
      handle: async ({ params, write }) => {
        await deleteDocument(ctx, ref(params.id as string), {}, write);
        return { status: 204 };
      },
    }),
  ];
}
