import { z } from 'zod';
import { durationMs, idSchema } from './schema-common.js';

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
    z.strictObject({ url: nodeUrlSchema, weight: z.number().int().min(1).max(100).default(1) }),
  ])
  .transform((n) => (typeof n === 'string' ? { url: n, weight: 1 } : n));

/** Upstream timeouts. A deployment may override each of them. */
export const timeoutsSchema = z.strictObject({
  /** TCP (+TLS) connect to a node. */
  connectMs: durationMs(5_000),
  /** From the request being sent to the response headers arriving. */
  responseMs: durationMs(30_000),
  /** Longest silence between two chunks of a response body. */
  idleMs: durationMs(60_000),
});

export const timeoutsOverrideSchema = z.strictObject({
  connectMs: z.number().int().min(1).max(86_400_000).optional(),
  responseMs: z.number().int().min(1).max(86_400_000).optional(),
  idleMs: z.number().int().min(1).max(86_400_000).optional(),
});

const healthCheckSchema = z.strictObject({
  enabled: z.boolean().default(true),
  path: z
    .string()
    .regex(/^\/[^\s]*$/, 'must be an absolute path')
    .default('/'),
  intervalMs: z.number().int().min(100).max(3_600_000).default(5_000),
  timeoutMs: z.number().int().min(10).max(60_000).default(2_000),
  /** Consecutive successes that bring a down node back. */
  healthyThreshold: z.number().int().min(1).max(100).default(2),
  /** Consecutive failures that take a node down. */
  unhealthyThreshold: z.number().int().min(1).max(100).default(3),
  /** Response statuses counted as healthy: [from, to] inclusive. */
  expectedStatus: z
    .tuple([z.number().int().min(100).max(599), z.number().int().min(100).max(599)])
    .default([200, 399]),
});

const passiveHealthSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive connection failures (refused, reset, connect timeout) that eject a node. */
  consecutiveFailures: z.number().int().min(1).max(100).default(3),
  /** How long an ejected node is skipped before traffic is tried on it again. */
  ejectMs: z.number().int().min(100).max(3_600_000).default(10_000),
});

export const infrastructureSchema = z.strictObject({
  id: idSchema,
  stage: idSchema.default('dev'),
  description: z.string().max(1000).optional(),
  nodes: z.array(nodeSchema).min(1, 'an infrastructure needs at least one node'),
  loadBalancing: z.enum(['round-robin', 'least-connections']).default('round-robin'),
  /** Connections kept per node (keep-alive pool size). */
  maxConnectionsPerNode: z.number().int().min(1).max(10_000).default(128),
  keepAliveTimeoutMs: durationMs(4_000),
  timeouts: timeoutsSchema.default({ connectMs: 5_000, responseMs: 30_000, idleMs: 60_000 }),
  healthCheck: healthCheckSchema.optional(),
  passiveHealthCheck: passiveHealthSchema.default({ enabled: true, consecutiveFailures: 3, ejectMs: 10_000 }),
  /** Per-group privileges on the infrastructure (control-plane permissions). */
  permissions: z.record(idSchema, z.array(z.enum(['view', 'deploy', 'admin']))).default({}),
});

export type InfrastructureConfig = z.infer<typeof infrastructureSchema>;
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
