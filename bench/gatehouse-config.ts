/** Gatehouse configurations for the scenarios, as plain objects. */
import { BENCH_AUDIENCE, BENCH_ISSUER } from './auth/material.js';
import type { ConfigObject, ScenarioContext } from './scenario-types.js';

export interface PublicConfigOptions {
  /** Number of services, each with one public deployment on the same infrastructure. */
  readonly deployments: number;
  /** Production default: true (one JSON line per request). */
  readonly accessLog?: boolean;
  /** The versions' auth settings (default: `methods: [public]`). */
  readonly auth?: ConfigObject;
  /** More top-level settings (providers, tokenCache). */
  readonly extra?: ConfigObject;
}

/** The base path of deployment `index` in publicDeployments (the default `/public/api/v1/{serviceId}`). */
export function publicBasePath(index: number): string {
  return `/public/api/v1/svc${index}`;
}

/**
 * `deployments` deployments (svc0/dep0 …) on one infrastructure pointing at the
 * upstream, public unless `auth` says otherwise.
 */
export function publicDeployments(ctx: ScenarioContext, options: PublicConfigOptions): ConfigObject {
  const indexes = Array.from({ length: options.deployments }, (_, i) => i);
  return {
    ...options.extra,
    logging: { level: 'info', accessLog: options.accessLog ?? true },
    infrastructures: [{ id: 'bench', stage: 'prod', nodes: [ctx.upstreamUrl] }],
    services: indexes.map((i) => ({
      id: `svc${i}`,
      versions: [{ id: 'v1', auth: options.auth ?? { methods: ['public'] } }],
    })),
    deployments: indexes.map((i) => ({
      id: `dep${i}`,
      service: `svc${i}`,
      version: 'v1',
      infrastructure: 'bench',
    })),
  };
}

/** The auth scenarios mirror gatehouse-public-10 (10 deployments, access log on), so the CPU difference is the auth. */
const AUTH_DEPLOYMENTS = 10;

/** `methods: [apiKeys]` with the run's one key (sent as X-API-Key, the default header). */
export function apiKeyDeployments(ctx: ScenarioContext): ConfigObject {
  return publicDeployments(ctx, {
    deployments: AUTH_DEPLOYMENTS,
    auth: { methods: ['apiKeys'], apiKeys: { keys: [{ id: 'bench-key', hash: ctx.auth.apiKeyHash }] } },
  });
}

/**
 * apiKeyDeployments with a per-key rate limit far above what the bench can send (so it
 * never refuses, and every request pays the full check), in memory or shared in Redis.
 */
export function apiKeyLimitedDeployments(ctx: ScenarioContext, redisUrl?: string): ConfigObject {
  return publicDeployments(ctx, {
    deployments: AUTH_DEPLOYMENTS,
    auth: {
      methods: ['apiKeys'],
      apiKeys: { keys: [{ id: 'bench-key', hash: ctx.auth.apiKeyHash }] },
      rateLimits: [{ by: 'apiKey', rate: '1000000/s', burst: 10_000_000 }],
    },
    ...(redisUrl === undefined ? {} : { extra: { store: { type: 'redis', redis: { url: redisUrl } } } }),
  });
}

/** `methods: [jwt]` with an HS256 `hmac` provider (the run's 32-byte secret). */
export function hs256Deployments(ctx: ScenarioContext, tokenCacheEntries?: number): ConfigObject {
  return publicDeployments(ctx, {
    deployments: AUTH_DEPLOYMENTS,
    auth: { methods: ['jwt'], jwt: { providers: ['bench-hs256'] } },
    extra: {
      providers: [
        {
          id: 'bench-hs256',
          type: 'hmac',
          issuer: BENCH_ISSUER,
          audiences: [BENCH_AUDIENCE],
          secrets: [{ secret: ctx.auth.hmacSecret }],
        },
      ],
      ...(tokenCacheEntries === undefined ? {} : { tokenCache: { maxEntries: tokenCacheEntries } }),
    },
  });
}

/**
 * `methods: [jwt]` with a `jwks` provider whose keys the upstream serves (loopback http
 * is allowed). `tokenCacheEntries` shrinks the verified-token cache (default 100,000).
 */
export function rs256JwksDeployments(ctx: ScenarioContext, tokenCacheEntries?: number): ConfigObject {
  return publicDeployments(ctx, {
    deployments: AUTH_DEPLOYMENTS,
    auth: { methods: ['jwt'], jwt: { providers: ['bench-jwks'] } },
    extra: {
      providers: [
        {
          id: 'bench-jwks',
          type: 'jwks',
          issuer: BENCH_ISSUER,
          audiences: [BENCH_AUDIENCE],
          algorithms: ['RS256'],
          jwksUri: ctx.auth.jwksUrl,
        },
      ],
      ...(tokenCacheEntries === undefined ? {} : { tokenCache: { maxEntries: tokenCacheEntries } }),
    },
  });
}

export interface Listeners {
  readonly dataPort: number;
  readonly adminPort: number;
  /** Serve the data plane over TLS (HTTP/2 by ALPN, HTTP/1.1 otherwise) from this cert folder. */
  readonly tlsCertFolder?: string;
  /** `server.workers` (absent: Gatehouse's default, one process). */
  readonly workers?: number;
}

/** Fills in the listeners on 127.0.0.1 (the data plane over TLS when told), the worker count, and turns file watching off; everything else is the scenario's. */
export function withListeners(config: ConfigObject, listeners: Listeners): ConfigObject {
  return {
    ...config,
    server: {
      ...(listeners.workers === undefined ? {} : { workers: listeners.workers }),
      dataPlane: {
        host: '127.0.0.1',
        port: listeners.dataPort,
        ...(listeners.tlsCertFolder === undefined ? {} : { tls: { certFolder: listeners.tlsCertFolder } }),
      },
      admin: { host: '127.0.0.1', port: listeners.adminPort },
      reload: { watch: false },
      shutdown: { drainTimeoutMs: 1000 },
    },
  };
}
