/**
 * The `services` and `groups` sections of the config schema: services with their owner,
 * permissions and versions (each carrying its design-time authorization settings), and
 * the groups declared in the file. Every key carries its `.describe()` text, which the
 * JSON Schema and docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { authSettingsSchema } from './schema-auth-settings.js';
import { idSchema } from './schema-common.js';

export const versionSchema = z.strictObject({
  id: idSchema.describe('The version id, unique within its service; deployments name it.'),
  description: z.string().max(1000).optional().describe('Free text (at most 1000 characters).'),
  auth: authSettingsSchema.describe(
    'Its design-time authorization settings (see Authorization settings); deploying the version brings them along.',
  ),
});

/** Per-group privileges on a service (control-plane permissions). */
export const servicePermissionsSchema = z
  .record(idSchema, z.array(z.enum(['read', 'write', 'deploy', 'admin'])))
  .default({})
  .describe(
    "Group id → privileges on the service through the admin API: `read` (the service, its deployments, its API keys' metadata), `write` (versions), `deploy`, `admin` (settings, permissions, delete).",
  );

export const serviceSchema = z.strictObject({
  id: idSchema.describe('The service id; deployments name it, and the default base path contains it.'),
  owner: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('User id of the owner, who has full access through the admin API. Absent: no owner.'),
  description: z.string().max(1000).optional().describe('Free text (at most 1000 characters).'),
  permissions: servicePermissionsSchema,
  versions: z
    .array(versionSchema)
    .min(1, 'a service needs at least one version')
    .describe('The versions (at least one); ids are unique within the service.'),
});

export const groupSchema = z.strictObject({
  id: idSchema.describe("The group id, as users' groups, `require.groups` and `permissions` name it."),
  description: z.string().max(1000).optional().describe('Free text (at most 1000 characters).'),
  global: z
    .array(z.enum(['admin', 'createService']))
    .default([])
    .describe('Global privileges: `admin` (everything) and `createService` (the creator becomes owner).'),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (RFC 6749)'))
    .default([])
    .describe(
      'Scopes members hold in their Gatehouse tokens, RFC 6749 scope tokens: e.g. `cluster:read`, `resource:*`, `*`, `admin:*`.',
    ),
});
