/**
 * The whole configuration file's schema (zod, the single source of truth): its sections
 * are defined in the schema-*.ts files next to this one. Every key carries a
 * `.describe()` text; config/gatehouse.schema.json and docs/configuration.md are
 * generated from them (scripts/generated-docs.ts), and a test fails on a key without one.
 */
import { z } from 'zod';
import { createProviderSchema } from './schema-providers.js';
import { deploymentSchema } from './schema-deployment.js';
import { loggingSchema, serverSchema, tokenCacheSchema } from './schema-server.js';
import type { versionSchema } from './schema-services.js';
import { groupSchema, serviceSchema } from './schema-services.js';
import { createStoreSchema } from './schema-store.js';
import { createTokensSchema } from './schema-tokens.js';
import { infrastructureSchema } from './schema-upstream.js';
import type { SecretContext } from './secret-ref.js';

export { deploymentSchema, type DeploymentConfig } from './schema-deployment.js';
export { groupSchema, servicePermissionsSchema, serviceSchema, versionSchema } from './schema-services.js';

/** The whole configuration file. Build with a SecretContext so `{env}`/`{file}` resolve. */
export function createConfigSchema(secrets: SecretContext) {
  return z.strictObject({
    server: serverSchema
      .default(serverSchema.parse({}))
      .describe('Listeners, data-plane limits and timeouts, shutdown and reload.'),
    logging: loggingSchema.default({ level: 'info', accessLog: true }).describe('JSON log lines on stdout.'),
    store: createStoreSchema(secrets)
      .prefault({})
      .describe(
        'The state store (read at start): sqlite (default, one node), redis (several replicas) or memory (tests).',
      ),
    tokenCache: tokenCacheSchema
      .default({ maxEntries: 50_000, maxTtlSec: 300 })
      .describe('The verified-token cache shared by all deployments (read at start).'),
    providers: z
      .array(createProviderSchema(secrets))
      .default([])
      .describe(
        'JWT providers (HMAC secrets, public keys, remote JWKS) that deployments and `server.admin.providers` refer to by id.',
      ),
    tokens: createTokensSchema(secrets).describe(
      "Gatehouse's own token service: signing, lifetimes, implicit login, brute-force protection (tokens.md).",
    ),
    groups: z
      .array(groupSchema)
      .default([])
      .describe('Groups and their global privileges and scopes (read-only through the admin API).'),
    infrastructures: z
      .array(infrastructureSchema)
      .default([])
      .describe('Named sets of upstream API nodes with load balancing, health checks and timeouts.'),
    services: z
      .array(serviceSchema)
      .default([])
      .describe('API services with their owner, permissions and versions.'),
    deployments: z
      .array(deploymentSchema)
      .default([])
      .describe(
        'Versions of services on infrastructures, reachable under a base path and optionally a host.',
      ),
  });
}

export type GatehouseConfig = z.infer<ReturnType<typeof createConfigSchema>>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type VersionConfig = z.infer<typeof versionSchema>;
export type GroupConfig = z.infer<typeof groupSchema>;
