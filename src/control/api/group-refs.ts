/**
 * References a request makes to groups (memberships, per-object grants) and to users
 * (service owners) must name objects that exist: an unknown one is 400 `bad_request`
 * naming the field, and nothing is stored. The returned ops commit with the write: a
 * touch of each stored group (so deleting the group concurrently fails its revision
 * check and re-reads who refers to it) and a check that a named owner still exists.
 */
import { GatehouseError } from '../../errors.js';
import type { WriteOp } from '../../store/types.js';
import { COLLECTIONS, groupRecordSchema, userRecordSchema } from '../model.js';
import { getDoc, touch } from '../repository/documents.js';
import type { ApiDeps } from './deps.js';
import type { FieldIssue } from './validation.js';

function unknownReferences(issues: readonly FieldIssue[]): GatehouseError {
  return new GatehouseError(
    'bad_request',
    `The request names objects that do not exist: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`,
    { details: issues },
  );
}

/**
 * Ops proving every group in `refs` exists (file groups need none: they cannot be
 * deleted through the API); 400 naming each unknown one at its field.
 */
export async function groupRefOps(
  { ctx }: Pick<ApiDeps, 'ctx'>,
  refs: readonly { readonly group: string; readonly path: string }[],
): Promise<WriteOp[]> {
  const declared = new Set(ctx.fileConfig().groups.map((g) => g.id));
  const ops: WriteOp[] = [];
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const { group, path } of refs) {
    if (declared.has(group)) continue;
    if (seen.has(group)) continue;
    const stored = await getDoc(ctx.store, COLLECTIONS.groups, group, groupRecordSchema);
    if (stored) {
      seen.add(group);
      ops.push(touch(COLLECTIONS.groups, group, stored));
    } else issues.push({ path, message: `unknown group "${group}"` });
  }
  if (issues.length > 0) throw unknownReferences(issues);
  return ops;
}

/** `permissions` map → one reference per granted group, at `permissions.<group>`. */
export function grantRefs(permissions: Readonly<Record<string, unknown>>): { group: string; path: string }[] {
  return Object.keys(permissions).map((group) => ({ group, path: `permissions.${group}` }));
}

/** A user's `groups` list → one reference per entry, at `groups[i]`. */
export function membershipRefs(groups: readonly string[]): { group: string; path: string }[] {
  return groups.map((group, i) => ({ group, path: `groups[${i}]` }));
}

/** An op failing the write unless `owner` is a stored user; 400 naming `owner` when it is not one. */
export async function ownerRefOps({ ctx }: Pick<ApiDeps, 'ctx'>, owner: string): Promise<WriteOp[]> {
  const stored = await getDoc(ctx.store, COLLECTIONS.users, owner, userRecordSchema);
  if (!stored) throw unknownReferences([{ path: 'owner', message: `unknown user "${owner}"` }]);
  return [{ op: 'check', collection: COLLECTIONS.users, id: owner }];
}
