import { z } from 'zod';
import { authSettingsSchema, createProviderSchema } from './schema-auth.js';
import { basePathSchema, hostSchema, idSchema, trustProxySchema } from './schema-common.js';
import { infrastructureSchema, timeoutsOverrideSchema } from './schema-upstream.js';
import { allowedMethodsSchema, inboundHeadersSchema } from './schema-data-plane.js';
import { createStoreSchema } from './schema-store.js';
import { createTokensSchema } from './schema-tokens.js';
import type { SecretContext } from './secret-ref.js';

const MiB = 1024 * 1024;

const listenerSchema = (host: string, port: number) =>
  z.strictObject({
    host: z.string().min(1).default(host),
    port: z.number().int().min(0).max(65_535).default(port),
  });

const dataPlaneSchema = listenerSchema('0.0.0.0', 8080).extend({
  trustProxy: trustProxySchema,
  /** Default request body limit; a deployment may set its own. */
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .default(10 * MiB),
  /** Idle time before a client keep-alive connection is closed. */
  keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(65_000),
  /** Longest time a client may take to send its request headers (enforced within a second). */
  headersTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Longest time a request body may take to arrive, from the request head (408); 0 = none. A deployment may set its own. */
  requestTimeoutMs: z.number().int().min(0).max(86_400_000).default(60_000),
  /** Body bytes received before the upstream request is opened (bodies up to this size are sent whole); 0 = stream at once. */
  bodyBufferBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * MiB)
    .default(64 * 1024),
});

const serverSchema = z.strictObject({
  dataPlane: dataPlaneSchema.default(dataPlaneSchema.parse({})),
  admin: listenerSchema('127.0.0.1', 9090)
    .extend({
      /** JWT providers whose tokens identify users on the admin API (besides admin keys and Gatehouse tokens). */
      providers: z.array(idSchema).default([]),
      /** Largest JSON body the admin API accepts. */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(10 * MiB)
        .default(1024 * 1024),
    })
    .default({ host: '127.0.0.1', port: 9090, providers: [], maxBodyBytes: 1024 * 1024 }),
  shutdown: z
    .strictObject({
      /** After readiness turns false, wait this long before closing listeners (load balancers notice). */
      readinessDelayMs: z.number().int().min(0).max(300_000).default(0),
      /** Longest wait for in-flight requests once listeners are closed. */
      drainTimeoutMs: z.number().int().min(0).max(600_000).default(25_000),
    })
    .default({ readinessDelayMs: 0, drainTimeoutMs: 25_000 }),
  reload: z
    .strictObject({
      watch: z.boolean().default(true),
      debounceMs: z.number().int().min(0).max(60_000).default(250),
    })
    .default({ watch: true, debounceMs: 250 }),
});

const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** One JSON line per data-plane request (method, path without query, status, timings). */
  accessLog: z.boolean().default(true),
});

export const versionSchema = z.strictObject({
  id: idSchema,
  description: z.string().max(1000).optional(),
  auth: authSettingsSchema,
});

/** Per-group privileges on a service (control-plane permissions). */
export const servicePermissionsSchema = z
  .record(idSchema, z.array(z.enum(['read', 'write', 'deploy', 'admin'])))
  .default({});

export const serviceSchema = z.strictObject({
  id: idSchema,
  /** User id of the owner (full access through the admin API). */
  owner: z.string().min(1).max(200).optional(),
  description: z.string().max(1000).optional(),
  permissions: servicePermissionsSchema,
  versions: z.array(versionSchema).min(1, 'a service needs at least one version'),
});

export const deploymentSchema = z.strictObject({
  id: idSchema,
  service: idSchema,
  version: idSchema,
  infrastructure: idSchema,
  enabled: z.boolean().default(true),
  /** Default: /public/api/v1/{service}. */
  basePath: basePathSchema.optional(),
  host: hostSchema.optional(),
  /** Remove the base path before forwarding (the upstream sees "/rest"). */
  stripPrefix: z.boolean().default(false),
  /** Send the client's Host to the upstream instead of the node's host:port. */
  preserveHost: z.boolean().default(false),
  timeouts: timeoutsOverrideSchema.optional(),
  maxBodyBytes: z.number().int().min(0).optional(),
  /** Overrides server.dataPlane.requestTimeoutMs (0 = none, e.g. for long streaming uploads). */
  requestTimeoutMs: z.number().int().min(0).max(86_400_000).optional(),
  /** Overrides server.dataPlane.bodyBufferBytes (0 = stream request bodies at once). */
  bodyBufferBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * MiB)
    .optional(),
  /** Retry an idempotent request without body once on another node after a connection failure. */
  retryIdempotent: z.boolean().default(true),
  /** `inherit` the version's authorization settings, or replace them entirely. */
  auth: z.union([z.literal('inherit'), authSettingsSchema]).default('inherit'),
  /** Inbound headers kept or stripped beyond the defaults (docs/authentication.md, spoofable headers). */
  headers: inboundHeadersSchema.optional(),
  /** Methods served (405 method_not_allowed with Allow for others); default: all but TRACE and CONNECT. */
  allowedMethods: allowedMethodsSchema.optional(),
});

export const groupSchema = z.strictObject({
  id: idSchema,
  description: z.string().max(1000).optional(),
  /** Global privileges: `admin` (everything) and `createService`. */
  global: z.array(z.enum(['admin', 'createService'])).default([]),
  /** Scopes members hold (in their Gatehouse tokens): `cluster:read`, `resource:*`, `*`, `admin:*`. */
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (RFC 6749)'))
    .default([]),
});

/** The whole configuration file. Build with a SecretContext so `{env}`/`{file}` resolve. */
export function createConfigSchema(secrets: SecretContext) {
  return z.strictObject({
    server: serverSchema.default(serverSchema.parse({})),
    logging: loggingSchema.default({ level: 'info', accessLog: true }),
    /** The state store: sqlite (default, one node), redis (replicas) or memory (tests). */
    store: createStoreSchema(secrets).prefault({}),
    /** Verified-token cache shared by all deployments (size and reuse bound; read at start). */
    tokenCache: z
      .strictObject({
        /** ~1.3 KB per entry for a token with a ~360-byte payload: the default stays within ~64 MB. */
        maxEntries: z.number().int().min(1).max(10_000_000).default(50_000),
        /** A verification is reused at most this long, and never past the token's exp. */
        maxTtlSec: z.number().int().min(1).max(86_400).default(300),
      })
      .default({ maxEntries: 50_000, maxTtlSec: 300 }),
    /** JWT providers (HMAC secrets, public keys, remote JWKS) that deployments refer to by id. */
    providers: z.array(createProviderSchema(secrets)).default([]),
    /** Gatehouse's own token service: signing, lifetimes, implicit login, brute force (docs/tokens.md). */
    tokens: createTokensSchema(secrets),
    /** Groups and their global privileges (read-only through the admin API). */
    groups: z.array(groupSchema).default([]),
    infrastructures: z.array(infrastructureSchema).default([]),
    services: z.array(serviceSchema).default([]),
    deployments: z.array(deploymentSchema).default([]),
  });
}

export type GatehouseConfig = z.infer<ReturnType<typeof createConfigSchema>>;
export type DeploymentConfig = z.infer<typeof deploymentSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type VersionConfig = z.infer<typeof versionSchema>;
export type GroupConfig = z.infer<typeof groupSchema>;
