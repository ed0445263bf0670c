/**
 * What the admin API answers with for each object: the stored record, its source and
 * times (ISO 8601). Secrets never leave: no password hashes, no key hashes of API or
 * admin keys (lists show a prefix), no permission maps outside /permissions.
 */
import { z } from 'zod';
import { defaultBasePath } from '../../config/references.js';
import { idSchema } from '../../config/schema-common.js';
import {
  apiKeyScopeSchema,
  deploymentRecordSchema,
  groupRecordSchema,
  infrastructureRecordSchema,
  serviceRecordSchema,
  versionRecordSchema,
  type ApiKeyRecord,
  type DeploymentRecord,
  type GroupRecord,
  type InfrastructureRecord,
  type ServiceRecord,
  type UserRecord,
  type VersionRecord,
} from '../model.js';
import type { Stored } from '../repository/documents.js';
import type { Entry } from '../repository/catalog.js';
import { sourceShape } from './schemas.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

function meta(entry: Entry<unknown>): { source: 'config' | 'api'; createdAt?: string; updatedAt?: string } {
  if (!entry.stored) return { source: entry.source };
  return {
    source: entry.source,
    createdAt: iso(entry.stored.createdAt),
    updatedAt: iso(entry.stored.updatedAt),
  };
}

export function infrastructureView(entry: Entry<InfrastructureRecord>) {
  const { permissions: _permissions, ...rest } = entry.value;
  return { ...rest, ...meta(entry) };
}
export const infrastructureViewSchema = infrastructureRecordSchema
  .omit({ permissions: true })
  .extend(sourceShape);

export function serviceView(entry: Entry<ServiceRecord>) {
  const { permissions: _permissions, ...rest } = entry.value;
  return { ...rest, ...meta(entry) };
}
export const serviceViewSchema = serviceRecordSchema.omit({ permissions: true }).extend(sourceShape);

export function versionView(entry: Entry<VersionRecord>) {
  return { ...entry.value, ...meta(entry) };
}
export const versionViewSchema = versionRecordSchema.extend(sourceShape);

export function deploymentView(entry: Entry<DeploymentRecord>) {
  const d = entry.value;
  return { ...d, basePath: d.basePath ?? defaultBasePath(d.service), ...meta(entry) };
}
export const deploymentViewSchema = deploymentRecordSchema.extend(sourceShape);

export function groupView(entry: Entry<GroupRecord>, members?: readonly string[]) {
  return { ...entry.value, ...(members ? { members } : {}), ...meta(entry) };
}
export const groupViewSchema = groupRecordSchema.extend({
  ...sourceShape,
  members: z.array(z.string()).optional().describe('Users of the local store in this group (single reads).'),
});

export function userView(stored: Stored<UserRecord>) {
  const { passwordHash, createdAt, passwordChangedAt: _p, disabledAt: _d, ...rest } = stored.value;
  return {
    ...rest,
    hasPassword: passwordHash !== undefined,
    createdAt: iso(createdAt),
    updatedAt: iso(stored.updatedAt),
  };
}
export const userViewSchema = z.object({
  id: idSchema,
  displayName: z.string().optional(),
  email: z.string().optional(),
  groups: z.array(z.string()),
  disabled: z.boolean(),
  source: z.enum(['local', 'oidc']),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function apiKeyView(record: ApiKeyRecord, lastUsed: number | undefined) {
  return {
    id: record.id,
    scope: record.scope,
    ...(record.label === undefined ? {} : { label: record.label }),
    prefix: record.prefix,
    scopes: record.scopes,
    groups: record.groups,
    createdAt: iso(record.createdAt),
    createdBy: record.createdBy,
    lastUsedAt: lastUsed === undefined ? null : iso(lastUsed),
  };
}
export const apiKeyViewSchema = z.object({
  id: idSchema,
  scope: apiKeyScopeSchema,
  label: z.string().optional(),
  prefix: z.string().describe('The first 8 characters of the key.'),
  scopes: z.array(z.string()),
  groups: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  lastUsedAt: z.string().nullable().describe('Accurate to the usage flush interval (30 s).'),
});
export const createdApiKeySchema = apiKeyViewSchema.extend({
  key: z.string().describe('The secret: shown in this answer only, never again.'),
});
