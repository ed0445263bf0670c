/**
 * The `deployments` section of the config schema: a version of a service on an
 * infrastructure, where it is routed, how requests are forwarded and limited, and its
 * authorization settings (inherited or overridden). Every key carries its `.describe()`
 * text, which the JSON Schema and docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { authSettingsSchema } from './schema-auth-settings.js';
import { basePathSchema, hostSchema, idSchema, MiB } from './schema-common.js';
import { allowedMethodsSchema, inboundHeadersSchema } from './schema-data-plane.js';
import { corsSchema, rateLimitsSchema } from './schema-policy.js';
import { timeoutsOverrideSchema } from './schema-upstream.js';

export const deploymentSchema = z.strictObject({
  id: idSchema.describe('The deployment id.'),
  service: idSchema.describe('The service deployed (`services[].id`); checked at load.'),
  version: idSchema.describe("The service's version deployed (`services[].versions[].id`); checked at load."),
  infrastructure: idSchema.describe(
    'The infrastructure it runs on (`infrastructures[].id`); checked at load.',
  ),
  enabled: z.boolean().default(true).describe('`false`: requests get 503 `deployment_disabled`.'),
  basePath: basePathSchema
    .optional()
    .describe(
      'Path prefix routed to this deployment, matched segment by segment (longest prefix wins). Absent: `/public/api/v1/{service}`. Starts with `/`, unescaped path characters only, no empty, `.` or `..` segments; a trailing `/` is removed.',
    ),
  host: hostSchema
    .optional()
    .describe(
      'Host to route on: an exact DNS name, or `*.example.com` (one label), no port, compared lower-cased. Host routes win over host-less ones. Absent: any host.',
    ),
  stripPrefix: z
    .boolean()
    .default(false)
    .describe('Remove the base path before forwarding: the upstream sees `/rest`, not `{basePath}/rest`.'),
  preserveHost: z
    .boolean()
    .default(false)
    .describe("Send the client's `Host` to the upstream instead of the node's `host:port`."),
  timeouts: timeoutsOverrideSchema
    .optional()
    .describe("Overrides of the infrastructure's upstream timeouts. Absent: the infrastructure's."),
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'Request body limit (413 `body_too_large`); `0` = no limit. Absent: `server.dataPlane.maxBodyBytes`.',
    ),
  requestTimeoutMs: z
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .optional()
    .describe(
      'Deadline for the request body; `0` = none (e.g. long streaming uploads). Absent: `server.dataPlane.requestTimeoutMs`.',
    ),
  bodyBufferBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * MiB)
    .optional()
    .describe(
      'Body bytes received before the upstream request opens; `0` = stream at once (interactive request streams). Absent: `server.dataPlane.bodyBufferBytes`.',
    ),
  retryIdempotent: z
    .boolean()
    .default(true)
    .describe(
      'Retry an idempotent request (GET, HEAD, OPTIONS, PUT, DELETE) once on another node when its connection broke after it was sent. A request never sent is retried whatever its method.',
    ),
  auth: z
    .union([z.literal('inherit'), authSettingsSchema])
    .default('inherit')
    .describe(
      "`inherit` the version's authorization settings, or replace them entirely with your own (see Authorization settings), e.g. different API keys for dev and prod.",
    ),
  headers: inboundHeadersSchema
    .optional()
    .describe(
      'Client headers kept or removed beyond the defaults (authentication.md, spoofable headers). Absent: the defaults.',
    ),
  allowedMethods: allowedMethodsSchema
    .optional()
    .describe(
      'Methods served, upper case, e.g. `[GET, POST]` (GET implies HEAD); others get 405 `method_not_allowed` with `Allow` (routing.md). TRACE, CONNECT, unknown methods and duplicates are refused. Absent: every method but TRACE and CONNECT.',
    ),
  rateLimits: rateLimitsSchema.optional(),
  cors: corsSchema.optional(),
});

export type DeploymentConfig = z.infer<typeof deploymentSchema>;
