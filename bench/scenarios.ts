/**
 * The scenarios, in run order. Adding one is a few lines: a name, the proxy, a
 * Gatehouse config builder, the traffic (paths, headers, a per-request headers file)
 * and its targets.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COLD_TOKEN_COUNT } from './auth/material.js';
import {
  apiKeyDeployments,
  apiKeyLimitedDeployments,
  hs256Deployments,
  publicBasePath,
  publicDeployments,
  rs256JwksDeployments,
} from './gatehouse-config.js';
import { H2_STREAMS } from './load/h2load.js';
import { benchRedis, benchRedisUrl } from './redis.js';
import type { ConfigObject, Scenario, ScenarioContext, TargetSpec } from './scenario-types.js';

/** The floor every ratio is computed against. */
export const FLOOR = 'undici-passthrough';

const onePath = { paths: ['/'] };
const firstPublicRoute = { paths: [`${publicBasePath(0)}/items`] };

/**
 * The cold scenario's verified-token cache: far fewer entries than its COLD_TOKEN_COUNT
 * distinct tokens, used in turn, so the LRU has evicted each token long before it comes
 * round again and every request verifies an RS256 signature.
 */
const COLD_TOKEN_CACHE_ENTRIES = 1_000;

/** PRODUCT: public, API key and cached JWT cost at most 1.1x the floor's CPU per request. */
const WARM_CPU_RATIO = 1.1;

/** Added tail latency at the fixed rate: p99 under 1 ms, p99.9 under 5 ms over the floor's. */
const latencyTargets: readonly TargetSpec[] = [
  { kind: 'max-added-p99', maxMs: 1 },
  { kind: 'max-added-p999', maxMs: 5 },
];

const cachedAuthTargets: readonly TargetSpec[] = [
  { kind: 'min-ratio-vs-floor', min: 0.85 },
  { kind: 'max-cpu-ratio-vs-floor', max: WARM_CPU_RATIO },
  ...latencyTargets,
];

/**
 * gatehouse-public-10 with a SQLite store in the run's folder (node:cluster workers need a
 * shared store): the two worker scenarios run exactly this and differ only in server.workers.
 */
const workersConfig = (ctx: ScenarioContext): ConfigObject =>
  publicDeployments(ctx, {
    deployments: 10,
    extra: { store: { type: 'sqlite', sqlite: { dataDir: join(ctx.workDir, 'workers-store') } } },
  });

const UNPINNED = 'Gatehouse unpinned (every core, sharing the load core with wrk and nginx)';

function spreadOver(deployments: number): { paths: string[] } {
  return { paths: Array.from({ length: deployments }, (_, i) => `${publicBasePath(i)}/items`) };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'direct',
    description: 'wrk straight at the upstream: the ceiling of the load-generator core',
    proxy: 'none',
    load: () => onePath,
    fixedRate: false,
  },
  {
    name: FLOOR,
    description: 'node:http + one undici Pool (128 connections), ~20 lines: the floor for a Node proxy',
    proxy: 'undici-passthrough',
    load: () => firstPublicRoute,
    fixedRate: true,
  },
  {
    name: 'http-proxy-passthrough',
    description: 'node:http + http-proxy with a keep-alive http.Agent (maxSockets 128)',
    proxy: 'http-proxy-passthrough',
    load: () => firstPublicRoute,
    fixedRate: false,
  },
  {
    name: 'gatehouse-public-10',
    description: 'Gatehouse, 10 public deployments, traffic to one; access log on (production default)',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10 }),
    load: () => firstPublicRoute,
    fixedRate: true,
    targets: [
      { kind: 'min-ratio-vs-floor', min: 0.9 },
      { kind: 'max-cpu-ratio-vs-floor', max: WARM_CPU_RATIO },
      ...latencyTargets,
    ],
  },
  {
    name: 'gatehouse-public-10-headers-file',
    description: 'gatehouse-public-10 with a distinct dummy header per request (wrk Lua request())',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10 }),
    load: async (ctx) => {
      const headersFile = join(ctx.workDir, 'dummy-headers.txt');
      const lines = Array.from({ length: 10_000 }, (_, i) => `x-bench-seq: ${i}`);
      await writeFile(headersFile, `${lines.join('\n')}\n`);
      return { ...firstPublicRoute, headersFile };
    },
    fixedRate: false,
    targets: [{ kind: 'flat-vs', of: 'gatehouse-public-10', tolerance: 0.1 }],
  },
  {
    name: 'gatehouse-public-10-nolog',
    description: 'the same with logging.accessLog: false',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10, accessLog: false }),
    load: () => firstPublicRoute,
    fixedRate: false,
  },
  {
    name: 'gatehouse-public-https',
    description:
      'gatehouse-public-10 with the data plane on TLS (EC P-256 cert made per run): wrk, HTTP/1.1 keep-alive',
    proxy: 'gatehouse',
    transport: 'https',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10 }),
    load: () => firstPublicRoute,
    fixedRate: false,
  },
  {
    name: 'gatehouse-public-h2',
    description: `the same TLS listener over HTTP/2: h2load, connections/${H2_STREAMS} connections x ${H2_STREAMS} streams`,
    proxy: 'gatehouse',
    transport: 'h2',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10 }),
    load: () => firstPublicRoute,
    fixedRate: false,
  },
  {
    name: 'gatehouse-public-10000',
    description: 'Gatehouse, 10,000 public deployments, traffic to one',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10_000 }),
    load: () => firstPublicRoute,
    fixedRate: true,
    targets: [{ kind: 'flat-vs', of: 'gatehouse-public-10', tolerance: 0.1 }],
  },
  {
    name: 'gatehouse-public-10000-spread',
    description: 'Gatehouse, 10,000 public deployments, each request to a random one',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => publicDeployments(ctx, { deployments: 10_000 }),
    load: () => spreadOver(10_000),
    fixedRate: true,
    targets: [{ kind: 'flat-vs', of: 'gatehouse-public-10', tolerance: 0.1 }],
  },
  {
    name: 'gatehouse-workers-1',
    description: `gatehouse-public-10 + SQLite store, server.workers 1; ${UNPINNED}`,
    proxy: 'gatehouse',
    gatehouseConfig: workersConfig,
    load: () => firstPublicRoute,
    fixedRate: false,
    workers: 1,
    cores: 'all',
  },
  {
    name: 'gatehouse-workers-2',
    description: `the same, server.workers 2 (a primary and 2 workers; CPU summed over all 3); ${UNPINNED}`,
    proxy: 'gatehouse',
    gatehouseConfig: workersConfig,
    load: () => firstPublicRoute,
    fixedRate: false,
    workers: 2,
    cores: 'all',
  },
  {
    name: 'gatehouse-apikey',
    description: 'gatehouse-public-10 with methods [apiKeys]: one key, sent as X-API-Key on every request',
    proxy: 'gatehouse',
    gatehouseConfig: apiKeyDeployments,
    load: (ctx) => ({ ...firstPublicRoute, headers: { 'X-API-Key': ctx.auth.apiKey } }),
    fixedRate: true,
    targets: cachedAuthTargets,
    auth: { credentialHeader: 'X-API-Key', method: 'apiKeys' },
  },
  {
    name: 'gatehouse-apikey-local-limit',
    description:
      'gatehouse-apikey + a per-key rate limit that never refuses, in process (SQLite store): the GCRA cost',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => apiKeyLimitedDeployments(ctx),
    load: (ctx) => ({ ...firstPublicRoute, headers: { 'X-API-Key': ctx.auth.apiKey } }),
    fixedRate: true,
    targets: [{ kind: 'flat-vs', of: 'gatehouse-apikey', tolerance: 0.1 }],
    auth: { credentialHeader: 'X-API-Key', method: 'apiKeys' },
  },
  {
    name: 'gatehouse-apikey-redis-limit',
    description: 'the same limit shared through Redis (store redis): one EVALSHA round trip per request',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => apiKeyLimitedDeployments(ctx, benchRedisUrl()),
    load: async (ctx) => {
      await benchRedis(ctx.workDir);
      return { ...firstPublicRoute, headers: { 'X-API-Key': ctx.auth.apiKey } };
    },
    fixedRate: true,
    auth: { credentialHeader: 'X-API-Key', method: 'apiKeys' },
  },
  {
    name: 'gatehouse-jwt-hs256',
    description:
      'methods [jwt], hmac provider: one HS256 token on every request (verified once, then cached)',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => hs256Deployments(ctx),
    load: (ctx) => ({ ...firstPublicRoute, headers: { Authorization: `Bearer ${ctx.auth.hs256Token}` } }),
    fixedRate: true,
    targets: cachedAuthTargets,
    auth: { credentialHeader: 'Authorization', method: 'jwt', jwtCache: 'warm' },
  },
  {
    name: 'gatehouse-jwt-hs256-cold',
    description: `the same, ${COLD_TOKEN_COUNT / 1000}k distinct HS256 tokens in turn, tokenCache.maxEntries ${COLD_TOKEN_CACHE_ENTRIES}: every request verifies`,
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => hs256Deployments(ctx, COLD_TOKEN_CACHE_ENTRIES),
    load: async (ctx) => ({ ...firstPublicRoute, headersFile: await ctx.auth.hs256ColdTokensFile() }),
    fixedRate: true,
    targets: [{ kind: 'max-cpu-ratio-vs-floor', max: 1.35 }, ...latencyTargets],
    auth: { credentialHeader: 'Authorization', method: 'jwt', jwtCache: 'cold' },
  },
  {
    name: 'gatehouse-jwt-rs256-warm',
    description: 'methods [jwt], jwks provider (JWKS from the upstream): one RS256 token on every request',
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => rs256JwksDeployments(ctx),
    load: (ctx) => ({ ...firstPublicRoute, headers: { Authorization: `Bearer ${ctx.auth.rs256Token}` } }),
    fixedRate: true,
    targets: cachedAuthTargets,
    auth: { credentialHeader: 'Authorization', method: 'jwt', jwtCache: 'warm' },
  },
  {
    name: 'gatehouse-jwt-rs256-cold',
    description: `the same, ${COLD_TOKEN_COUNT / 1000}k distinct RS256 tokens in turn, tokenCache.maxEntries ${COLD_TOKEN_CACHE_ENTRIES}: every request verifies`,
    proxy: 'gatehouse',
    gatehouseConfig: (ctx) => rs256JwksDeployments(ctx, COLD_TOKEN_CACHE_ENTRIES),
    load: async (ctx) => ({ ...firstPublicRoute, headersFile: await ctx.auth.coldTokensFile() }),
    fixedRate: true,
    targets: [
      { kind: 'min-ratio-vs-floor', min: 0.5 },
      { kind: 'max-cpu-ratio-vs-floor', max: 1.8 },
      ...latencyTargets,
    ],
    auth: { credentialHeader: 'Authorization', method: 'jwt', jwtCache: 'cold' },
  },
];
