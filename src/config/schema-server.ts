/**
 * The process-wide sections of the config schema: `server` (listeners, data-plane
 * limits and timeouts, shutdown, reload), `logging` and `tokenCache`. Every key carries
 * its `.describe()` text, which the JSON Schema and docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { idSchema, MiB, trustProxySchema } from './schema-common.js';
import { decisionsSchema, FAILED_CREDENTIALS_DEFAULTS, failedCredentialsSchema } from './schema-policy.js';

import { dataPlaneTlsSchema, listenerTlsSchema } from './schema-tls.js';

const listenerSchema = (host: string, port: number) =>
  z.strictObject({
    host: z.string().min(1).default(host).describe('Address to listen on (read at start).'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(port)
      .describe('Port to listen on; `0` picks a free port (read at start).'),
  });

const dataPlaneSchema = listenerSchema('0.0.0.0', 8080).extend({
  tls: dataPlaneTlsSchema
    .optional()
    .describe(
      'Serve the data plane over TLS (HTTPS, and HTTP/2 by ALPN) on `host`/`port` (docs/tls.md). Absent: plain HTTP. Listener settings are read at start; the certificate files are reloaded while running.',
    ),
  plainHttp: listenerSchema('127.0.0.1', 8081)
    .optional()
    .describe(
      'With `tls`: a second, plain-HTTP data-plane listener (e.g. on loopback for the local side of a sidecar). Absent: none.',
    ),
  trustProxy: trustProxySchema.describe(
    'Who may set `X-Forwarded-*`/`Forwarded`: `false` (nobody), `true` (anyone), or a list of IP addresses and CIDR ranges (your load balancers).',
  ),
  failedCredentials: failedCredentialsSchema.default(FAILED_CREDENTIALS_DEFAULTS),
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .default(10 * MiB)
    .describe(
      'Default request body limit (413 `body_too_large`); a deployment may set its own. `0` = no limit.',
    ),
  keepAliveTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(65_000)
    .describe('Idle time before a client keep-alive connection is closed.'),
  headersTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(30_000)
    .describe(
      'Longest time a client may take to send its request headers (408 `request_timeout`, connection closed); enforced within a second.',
    ),
  requestTimeoutMs: z
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(60_000)
    .describe(
      'Longest time a request body may take to arrive, counted from the request head (408 `request_timeout`); `0` = none. A deployment may set its own.',
    ),
  bodyBufferBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * MiB)
    .default(64 * 1024)
    .describe(
      'Body bytes received before the upstream request is opened; bodies up to this size are sent whole. `0` = stream at once. A deployment may set its own.',
    ),
});

const adminSchema = listenerSchema('127.0.0.1', 9090).extend({
  tls: listenerTlsSchema
    .optional()
    .describe(
      'Serve the admin listener over HTTPS, with the same settings as the data plane (client certificates included). `start` warns when the admin listener is on a non-loopback address without it.',
    ),
  providers: z
    .array(idSchema)
    .default([])
    .describe(
      "JWT provider ids whose tokens identify users on the admin API (besides admin keys and Gatehouse's own tokens).",
    ),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * MiB)
    .default(1024 * 1024)
    .describe('Largest JSON body the admin API accepts (413).'),
});

export const serverSchema = z.strictObject({
  workers: z
    .union([z.number().int().min(1).max(256), z.literal('auto')])
    .default(1)
    .describe(
      'Worker processes sharing the listeners (node:cluster), each running the whole gateway; `auto` = one per CPU (`os.availableParallelism()`). Default 1: in containers scale by replicas; `auto` suits VMs. Needs a shared store (`sqlite` or `redis`), not `memory`. Read at start.',
    ),
  dataPlane: dataPlaneSchema
    .default(dataPlaneSchema.parse({}))
    .describe('The data-plane listener: proxied traffic only.'),
  admin: adminSchema
    .default({ host: '127.0.0.1', port: 9090, providers: [], maxBodyBytes: 1024 * 1024 })
    .describe(
      'The admin listener: admin API, token service (and its `/manage_tokens` page), `/healthz`, `/readyz`, `/metrics`, `/openapi.json`.',
    ),
  decisions: decisionsSchema.optional(),
  shutdown: z
    .strictObject({
      readinessDelayMs: z
        .number()
        .int()
        .min(0)
        .max(300_000)
        .default(0)
        .describe(
          'After SIGTERM `/readyz` fails at once; the listeners close after this delay, so load balancers notice first.',
        ),
      drainTimeoutMs: z
        .number()
        .int()
        .min(0)
        .max(600_000)
        .default(25_000)
        .describe('Longest wait for in-flight requests once the listeners are closed.'),
    })
    .default({ readinessDelayMs: 0, drainTimeoutMs: 25_000 })
    .describe('Graceful shutdown on SIGTERM or SIGINT (operations.md).'),
  reload: z
    .strictObject({
      watch: z
        .boolean()
        .default(true)
        .describe(
          'Reload when the file changes (its folder is watched: rename-saves and ConfigMap symlink swaps are seen). SIGHUP reloads either way.',
        ),
      debounceMs: z
        .number()
        .int()
        .min(0)
        .max(60_000)
        .default(250)
        .describe('Coalesce bursts of file events into one reload.'),
    })
    .default({ watch: true, debounceMs: 250 })
    .describe('Configuration reload (operations.md).'),
});

export const loggingSchema = z.strictObject({
  level: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Lowest level written.'),
  accessLog: z
    .boolean()
    .default(true)
    .describe(
      'One JSON line per data-plane request: request id, method, path without query string, status, duration, deployment, node, upstream time, peer. Never a header value.',
    ),
});

export const tokenCacheSchema = z.strictObject({
  maxEntries: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(50_000)
    .describe(
      'Upper bound on entries (segmented LRU), keyed by SHA-256 of the token; the token itself is never kept. About 1.3 KB per typical token: the default stays within about 64 MB.',
    ),
  maxTtlSec: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(300)
    .describe(
      "A verification is reused at most this long, and never past the token's `exp`. Expired entries leave within a second, so the cache holds about new tokens/s × `maxTtlSec`.",
    ),
});
