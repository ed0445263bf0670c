/**
 * The `infrastructures` section of the config schema: upstream API nodes, load
 * balancing, connection pools, timeouts and health checks, plus the per-deployment
 * timeout overrides. Every key carries its `.describe()` text, which the JSON Schema and
 * docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { durationMs, idSchema } from './schema-common.js';
import { upstreamTlsSchema } from './schema-tls.js';

function parseNodeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** An API node: an origin (http or https, host, port), nothing else. */
export const nodeUrlSchema = z.string().superRefine((value, ctx) => {
  const url = parseNodeUrl(value);
  if (!url) return void ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    ctx.addIssue({ code: 'custom', message: 'must use http or https' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
  if (url.pathname !== '/' || url.search || url.hash)
    ctx.addIssue({ code: 'custom', message: 'must be an origin only (no path, query or fragment)' });
});

const nodeSchema = z
  .union([
    nodeUrlSchema,
    z.strictObject({
      url: nodeUrlSchema.describe(
        'The node: an `http(s)://host:port` origin, no path, query or credentials.',
      ),
      weight: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(1)
        .describe(
          'Share of the traffic relative to the other nodes (weights 3:1 send 3 of 4 requests here).',
        ),
    }),
  ])
  .transform((n) => (typeof n === 'string' ? { url: n, weight: 1 } : n));

/** Upstream timeouts. A deployment may override each of them. */
export const timeoutsSchema = z.strictObject({
  connectMs: durationMs(5_000).describe(
    'TCP (+TLS) connect to a node. Exceeded: 504 `upstream_timeout`, counted as a connection failure (retry, passive ejection).',
  ),
  responseMs: durationMs(30_000).describe(
    'From the request being sent to the response head arriving, restarted by every request body chunk sent. Exceeded: 504 `upstream_timeout`. Enforced within 250 ms.',
  ),
  idleMs: durationMs(60_000).describe(
    'Longest silence between two chunks of the response body (not counted while the client reads slowly). Exceeded: the client connection is closed (truncated body). Enforced within 250 ms.',
  ),
});

export const timeoutsOverrideSchema = z.strictObject({
  connectMs: z
    .number()
    .int()
    .min(1)
    .max(86_400_000)
    .optional()
    .describe("Overrides the infrastructure's `timeouts.connectMs`."),
  responseMs: z
    .number()
    .int()
    .min(1)
    .max(86_400_000)
    .optional()
    .describe("Overrides the infrastructure's `timeouts.responseMs`."),
  idleMs: z
    .number()
    .int()
    .min(1)
    .max(86_400_000)
    .optional()
    .describe("Overrides the infrastructure's `timeouts.idleMs`."),
});

const healthCheckSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('`false` keeps the settings but probes nothing.'),
  path: z
    .string()
    .regex(/^\/[^\s]*$/, 'must be an absolute path')
    .default('/')
    .describe('Path probed with `GET` on each node (absolute, no spaces).'),
  intervalMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(5_000)
    .describe('Time between the end of a probe and the next one; the first probe runs at start.'),
  timeoutMs: z
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(2_000)
    .describe('A probe without a complete answer in this time fails.'),
  healthyThreshold: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(2)
    .describe('Consecutive successes that bring a down node back.'),
  unhealthyThreshold: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(3)
    .describe(
      'Consecutive failures (status outside the range, connection error, timeout) that take a node down.',
    ),
  expectedStatus: z
    .tuple([z.number().int().min(100).max(599), z.number().int().min(100).max(599)])
    .default([200, 399])
    .describe('Response statuses counted as healthy: `[from, to]`, inclusive.'),
});

const passiveHealthSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('`false`: connection failures never eject a node.'),
  consecutiveFailures: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(3)
    .describe(
      'Consecutive connection failures (refused, reset or closed before a response head, connect timeout, DNS failure) that eject a node; HTTP error statuses do not count.',
    ),
  ejectMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(10_000)
    .describe('How long an ejected node gets no traffic before it is tried again.'),
});

export const infrastructureSchema = z.strictObject({
  id: idSchema.describe('The infrastructure id; deployments name it.'),
  stage: idSchema.default('dev').describe('Stage label, e.g. `dev`, `test`, `prod`.'),
  description: z.string().max(1000).optional().describe('Free text (at most 1000 characters).'),
  nodes: z
    .array(nodeSchema)
    .min(1, 'an infrastructure needs at least one node')
    .describe('The API nodes (at least one): `http(s)://host:port` origins, or `{url, weight}`.'),
  loadBalancing: z
    .enum(['round-robin', 'least-connections'])
    .default('round-robin')
    .describe(
      '`round-robin` (smooth weighted) or `least-connections` (fewest in-flight requests relative to weight). Only nodes up and not ejected take part; none: 503 `no_healthy_node`.',
    ),
  maxConnectionsPerNode: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(128)
    .describe('Connections kept per node (keep-alive pool size).'),
  keepAliveTimeoutMs: durationMs(4_000).describe('Idle upstream connections are closed after this.'),
  timeouts: timeoutsSchema
    .default({ connectMs: 5_000, responseMs: 30_000, idleMs: 60_000 })
    .describe('Upstream timeouts; a deployment may override each of them.'),
  healthCheck: healthCheckSchema
    .optional()
    .describe('Active health checks: each node is probed on its own timer. Absent: off.'),
  passiveHealthCheck: passiveHealthSchema
    .default({ enabled: true, consecutiveFailures: 3, ejectMs: 10_000 })
    .describe('Passive health checks: connection failures eject a node for a while.'),
  tls: upstreamTlsSchema
    .optional()
    .describe(
      'TLS to `https://` nodes: the CA to verify them with (default: the system roots), a client certificate for upstream mTLS, SNI name (docs/tls.md). A verification failure is 502 `bad_gateway`, logged with its reason and counted as `gatehouse_upstream_failures_total{reason="upstream_tls_error"}`.',
    ),
  permissions: z
    .record(idSchema, z.array(z.enum(['view', 'deploy', 'admin'])))
    .default({})
    .describe(
      'Group id → privileges on the infrastructure through the admin API: `view` (it and its deployments), `deploy`, `admin` (settings, permissions).',
    ),
});

export type InfrastructureConfig = z.infer<typeof infrastructureSchema>;
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
