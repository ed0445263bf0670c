/**
 * The control plane's objects as stored, validated with the same schemas as the config
 * file so an object behaves identically whether it was declared in YAML or created
 * through the admin API. Secrets never appear here: API keys and admin keys are stored
 * as SHA-256 digests, passwords as scrypt hashes.
 */
import { z } from 'zod';
import { authSettingsSchema } from '../config/schema-auth.js';
import { idSchema } from '../config/schema-common.js';
import { deploymentSchema, groupSchema, serviceSchema, versionSchema } from '../config/schema.js';
import { infrastructureSchema } from '../config/schema-upstream.js';

export const COLLECTIONS = {
  infrastructures: 'infrastructures',
  services: 'services',
  versions: 'versions',
  deployments: 'deployments',
  /** Route index: `routeKey(host, basePath)` → deployment id; makes ambiguous routes a create conflict. */
  routes: 'routes',
  apiKeys: 'api-keys',
  /** Digest index: sha256 hex → API key id. */
  apiKeyDigests: 'api-key-digests',
  groups: 'groups',
  users: 'users',
  adminKeys: 'admin-keys',
  adminKeyDigests: 'admin-key-digests',
  settings: 'settings',
} as const;

/** Notification channel on which every control-plane change is announced. */
export const CONTROL_CHANNEL = 'control';

export const infrastructureRecordSchema = infrastructureSchema;
export type InfrastructureRecord = z.infer<typeof infrastructureRecordSchema>;

/** A service without its versions (versions are stored one per document). */
export const serviceRecordSchema = serviceSchema.omit({ versions: true });
export type ServiceRecord = z.infer<typeof serviceRecordSchema>;

export const versionRecordSchema = versionSchema.extend({ service: idSchema });
export type VersionRecord = z.infer<typeof versionRecordSchema>;

export const deploymentRecordSchema = deploymentSchema;
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

export const groupRecordSchema = groupSchema;
export type GroupRecord = z.infer<typeof groupRecordSchema>;

export const apiKeyScopeSchema = z.strictObject({ type: z.enum(['service', 'deployment']), id: idSchema });
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

export const apiKeyRecordSchema = z.strictObject({
  id: idSchema,
  scope: apiKeyScopeSchema,
  label: z.string().max(200).optional(),
  /** The first characters of the key, to recognise it in lists. */
  prefix: z.string(),
  /** `sha256:<hex>` of the key. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  scopes: z.array(z.string().min(1)).default([]),
  groups: z.array(z.string().min(1)).default([]),
  createdAt: z.number(),
  createdBy: z.string(),
});
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;

export const userRecordSchema = z.strictObject({
  id: idSchema,
  displayName: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  groups: z.array(idSchema).default([]),
  /** scrypt hash (`scrypt$N$r$p$salt$hash`); absent for users who only sign in through an identity provider. */
  passwordHash: z.string().optional(),
  disabled: z.boolean().default(false),
  source: z.enum(['local', 'oidc']).default('local'),
  createdAt: z.number(),
  /** When a password was last set or reset (ms): the user's older refresh tokens are dead (docs/tokens.md). */
  passwordChangedAt: z.number().optional(),
  /** When the user was last disabled (ms): tokens issued until then stay dead after re-enabling. */
  disabledAt: z.number().optional(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

export const adminKeyRecordSchema = z.strictObject({
  id: idSchema,
  label: z.string().max(200).optional(),
  prefix: z.string(),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  createdAt: z.number(),
});
export type AdminKeyRecord = z.infer<typeof adminKeyRecordSchema>;

export const settingsRecordSchema = z.strictObject({
  /** Caps every refresh token's absolute lifetime and inactivity timeout (seconds). */
  maximumRefreshTokenLifetimeSec: z.number().int().min(60).optional(),
  /** Password grant ("implicit login") allowed for everything, not only token management. */
  implicitLogin: z.boolean().default(true),
});
export type SettingsRecord = z.infer<typeof settingsRecordSchema>;
export const SETTINGS_ID = 'system';

export { authSettingsSchema };
