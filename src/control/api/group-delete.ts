/**
 * What deleting a group takes with it, in the delete's own transaction: the group leaves
 * every stored user's memberships and every stored infrastructure's and service's grants,
 * each write at the revision read (so a concurrent change to any of them, or a new
 * reference, which touches the group, makes the delete re-read and try again). A grant
 * the configuration file declares cannot be edited through the API: it blocks the delete.
 */
import type { z } from 'zod';
import { GatehouseError } from '../../errors.js';
import type { WriteOp } from '../../store/types.js';
import { COLLECTIONS, infrastructureRecordSchema, serviceRecordSchema, userRecordSchema } from '../model.js';
import { listDocs } from '../repository/documents.js';
import type { ApiDeps } from './deps.js';

/** The store takes at most 500 ops in one transaction; one is the group's own delete. */
const MAX_CASCADE_OPS = 499;

export interface GroupRemoval {
  readonly ops: WriteOp[];
  /** For the audit record: who lost the membership or grant. */
  readonly removed: { users: string[]; infrastructures: string[]; services: string[] };
}

/** Objects of the configuration file that grant something to the group. */
export function fileGrantsTo({ ctx }: Pick<ApiDeps, 'ctx'>, group: string): string[] {
  const file = ctx.fileConfig();
  return [
    ...file.infrastructures
      .filter((i) => Object.hasOwn(i.permissions, group))
      .map((i) => `infrastructure ${i.id}`),
    ...file.services.filter((s) => Object.hasOwn(s.permissions, group)).map((s) => `service ${s.id}`),
  ];
}

function withoutGrant<T extends { permissions: Readonly<Record<string, unknown>> }>(
  value: T,
  group: string,
): T {
  const permissions = Object.fromEntries(Object.entries(value.permissions).filter(([g]) => g !== group));
  return { ...value, permissions };
}

export async function groupRemovalOps({ ctx }: Pick<ApiDeps, 'ctx'>, group: string): Promise<GroupRemoval> {
  const ops: WriteOp[] = [];
  const removed: GroupRemoval['removed'] = { users: [], infrastructures: [], services: [] };
  for (const user of await listDocs(ctx.store, COLLECTIONS.users, userRecordSchema)) {
    if (!user.value.groups.includes(group)) continue;
    const value = { ...user.value, groups: user.value.groups.filter((g) => g !== group) };
    ops.push({
      op: 'update',
      collection: COLLECTIONS.users,
      id: user.value.id,
      value,
      expectedRevision: user.revision,
    });
    removed.users.push(user.value.id);
  }
  const grants = async <T extends { id: string; permissions: Readonly<Record<string, unknown>> }>(
    collection: string,
    schema: z.ZodType<T>,
    list: string[],
  ): Promise<void> => {
    for (const doc of await listDocs(ctx.store, collection, schema)) {
      if (!Object.hasOwn(doc.value.permissions, group)) continue;
      const value = withoutGrant(doc.value, group);
      ops.push({ op: 'update', collection, id: doc.value.id, value, expectedRevision: doc.revision });
      list.push(doc.value.id);
    }
  };
  await grants(COLLECTIONS.infrastructures, infrastructureRecordSchema, removed.infrastructures);
  await grants(COLLECTIONS.services, serviceRecordSchema, removed.services);
  if (ops.length > MAX_CASCADE_OPS)
    throw new GatehouseError(
      'conflict',
      `The group "${group}" has ${ops.length} memberships and grants, more than one transaction removes ` +
        `(${MAX_CASCADE_OPS}); remove some of them first.`,
      { details: removed },
    );
  return { ops, removed };
}
