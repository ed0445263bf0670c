import type { Clock } from '../clock.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { IDENTITY_HEADER_NAMES } from '../pipeline/identity-headers.js';
import { apiKeyFactory, type ManagedApiKeys } from '../auth/authenticators/api-key-factory.js';
import { compileGate } from '../pipeline/compile-gate.js';
import { MethodRegistry } from '../pipeline/method-registry.js';
import { compileProxyTrust } from '../proxy/forwarded.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { Router } from '../routing/router.js';
import type { CompiledDeployment, EffectiveTimeouts, RuntimePlan } from './plan.js';
import { defaultBasePath } from './references.js';
import type { DeploymentConfig, GatehouseConfig } from './schema.js';
import type { TimeoutsConfig } from './schema-upstream.js';

export interface CompileContext {
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly pools: PoolRegistry;
  /** API keys managed through the admin API (control plane), if running. */
  readonly managedApiKeys?: ManagedApiKeys;
  /** Registers methods the runtime provides beyond apiKeys and jwt (gatehouse tokens, mtls). */
  readonly extendMethods?: (registry: MethodRegistry) => void;
}

let generations = 0;

function effectiveTimeouts(base: TimeoutsConfig, override: DeploymentConfig['timeouts']): EffectiveTimeouts {
  return {
    connectMs: override?.connectMs ?? base.connectMs,
    responseMs: override?.responseMs ?? base.responseMs,
    idleMs: override?.idleMs ?? base.idleMs,
  };
}

/**
 * Compiles a validated configuration into a runtime plan: one gate and header policy
 * per deployment, pools shared through the registry, and the router. Pool references
 * taken here are released again if compilation fails.
 */
export async function compilePlan(config: GatehouseConfig, ctx: CompileContext): Promise<RuntimePlan> {
  const poolKeys: string[] = [];
  const methods = new MethodRegistry().register('apiKeys', apiKeyFactory(ctx.managedApiKeys));
  ctx.extendMethods?.(methods);
  try {
    const infrastructures = new Map(config.infrastructures.map((i) => [i.id, i]));
    const services = new Map(config.services.map((s) => [s.id, s]));
    const deployments = new Map<string, CompiledDeployment>();
    for (const d of config.deployments) {
      const infra = infrastructures.get(d.infrastructure);
      const version = services.get(d.service)?.versions.find((v) => v.id === d.version);
      if (!infra || !version) throw new Error(`deployment ${d.id} references missing objects`);
      const auth = d.auth === 'inherit' ? version.auth : d.auth;
      const gate = compileGate(auth, {
        deploymentId: d.id,
        serviceId: d.service,
        methods,
        metrics: ctx.metrics,
      });
      const timeouts = effectiveTimeouts(infra.timeouts, d.timeouts);
      const { key, pool } = ctx.pools.acquire(infra, timeouts.connectMs);
      poolKeys.push(key);
      const removed = new Set<string>([...IDENTITY_HEADER_NAMES, ...gate.identityHeaderNames]);
      if (!auth.forwardAuthorization) removed.add('authorization');
      deployments.set(d.id, {
        id: d.id,
        serviceId: d.service,
        versionId: d.version,
        infrastructureId: d.infrastructure,
        enabled: d.enabled,
        host: d.host,
        basePath: d.basePath ?? defaultBasePath(d.service),
        stripPrefix: d.stripPrefix,
        retryIdempotent: d.retryIdempotent,
        timeouts,
        maxBodyBytes: d.maxBodyBytes ?? config.server.dataPlane.maxBodyBytes,
        pool,
        gate,
        headerPolicy: { removed, preserveHost: d.preserveHost },
        metrics: ctx.metrics.forDeployment(d.id),
      });
    }
    const router = new Router(
      [...deployments.values()].map((d) => ({ host: d.host, basePath: d.basePath, value: d })),
    );
    return {
      generation: ++generations,
      config,
      router,
      deployments,
      proxyTrust: compileProxyTrust(config.server.dataPlane.trustProxy),
      poolKeys,
    };
  } catch (err) {
    for (const key of poolKeys) ctx.pools.release(key);
    throw err;
  }
}

export function disposePlan(plan: RuntimePlan, pools: PoolRegistry): void {
  for (const key of plan.poolKeys) pools.release(key);
}
