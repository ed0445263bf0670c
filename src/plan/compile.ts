import type { Clock } from '../clock.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { IDENTITY_HEADER_NAMES } from '../pipeline/identity-headers.js';
import type { ManagedApiKeys } from '../auth/authenticators/api-key-factory.js';
import { createJwtAuthenticator } from '../auth/authenticators/jwt.js';
import type { RevocationList } from '../auth/revocation.js';
import type { VerifiedTokenCache } from '../auth/token-cache.js';
import type { VerifierHandle, VerifierRegistry } from '../auth/verifier-registry.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Gate } from '../auth/types.js';
import { authSettingsSchema, type AuthSettingsConfig } from '../config/schema-auth.js';
import { compileGate } from '../pipeline/compile-gate.js';
import type { MethodRegistry, PlanMethods } from '../auth/method-registry.js';
import { compileProxyTrust } from '../proxy/forwarded.js';
import { compileInboundHeaderFilter } from '../proxy/inbound-header-filter.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { compileUpstreamPath } from '../proxy/upstream-path.js';
import { SET_BY_PROXY, type UpstreamHeaderPolicy } from '../proxy/request-headers.js';
import { compileDeploymentTraffic } from '../policy/deployment-traffic.js';
import { compileMethodPolicy } from '../routing/allowed-methods.js';
import { RouterBuilder } from '../routing/router.js';
import type { CompiledDeployment, EffectiveTimeouts, RuntimePlan } from './plan.js';
import { defaultBasePath } from '../config/references.js';
import type { DeploymentConfig, GatehouseConfig } from '../config/schema.js';
import type { TimeoutsConfig } from '../config/schema-upstream.js';
import { CONFIG_SLICE, yieldToEventLoop } from '../config/yield.js';

export interface CompileContext {
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly pools: PoolRegistry;
  readonly verifiers: VerifierRegistry;
  readonly tokenCache: VerifiedTokenCache;
  readonly revocations: RevocationList;
  /** API keys managed through the admin API (control plane), if running. */
  readonly managedApiKeys?: ManagedApiKeys;
  /** The authentication methods this server provides (built once at start-up). */
  readonly methods: MethodRegistry;
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
  const verifierKeys: string[] = [];
  try {
    const handles = await acquireVerifiers(config, ctx.verifiers, verifierKeys);
    await yieldToEventLoop('compile');
    const methods = ctx.methods.forPlan(
      ctx.managedApiKeys
        ? { verifiers: handles, managedApiKeys: ctx.managedApiKeys }
        : { verifiers: handles },
    );
    const infrastructures = new Map(config.infrastructures.map((i) => [i.id, i]));
    const services = new Map(config.services.map((s) => [s.id, s]));
    const deployments = new Map<string, CompiledDeployment>();
    const routes = new RouterBuilder<CompiledDeployment>();
    let compiled = 0;
    for (const d of config.deployments) {
      // A large plan compiles in slices so the running plan keeps serving meanwhile.
      if (++compiled % CONFIG_SLICE === 0) await yieldToEventLoop('compile');
      const infra = infrastructures.get(d.infrastructure);
      const version = services.get(d.service)?.versions.find((v) => v.id === d.version);
      if (!infra || !version) throw new Error(`deployment ${d.id} references missing objects`);
      const auth = d.auth === 'inherit' ? version.auth : d.auth;
      const gate = compileGate(auth, {
        deploymentId: d.id,
        serviceId: d.service,
        inherited: d.auth === 'inherit',
        methods,
        metrics: ctx.metrics,
      });
      const timeouts = effectiveTimeouts(infra.timeouts, d.timeouts);
      const { key, pool } = ctx.pools.acquire(infra, timeouts.connectMs);
      poolKeys.push(key);
      const headerPolicy = compileHeaderPolicy(d, auth, gate);
      const basePath = d.basePath ?? defaultBasePath(d.service);
      const deployment: CompiledDeployment = {
        id: d.id,
        serviceId: d.service,
        versionId: d.version,
        infrastructureId: d.infrastructure,
        enabled: d.enabled,
        host: d.host,
        basePath,
        upstreamPath: compileUpstreamPath(basePath, d.stripPrefix),
        retryIdempotent: d.retryIdempotent,
        methods: compileMethodPolicy(d.allowedMethods),
        timeouts,
        maxBodyBytes: d.maxBodyBytes ?? config.server.dataPlane.maxBodyBytes,
        requestTimeoutMs: d.requestTimeoutMs ?? config.server.dataPlane.requestTimeoutMs,
        bodyBufferBytes: d.bodyBufferBytes ?? config.server.dataPlane.bodyBufferBytes,
        pool,
        gate,
        headerPolicy,
        metrics: ctx.metrics.forDeployment(d.id),
        traffic: compileDeploymentTraffic(d, auth),
      };
      deployments.set(d.id, deployment);
      routes.add({ host: deployment.host, basePath, value: deployment });
    }
    const adminAuthenticators = compileAdminAuthenticators(config, methods, handles, ctx);
    const router = routes.build();
    return {
      generation: ++generations,
      router,
      deployments,
      proxyTrust: compileProxyTrust(config.server.dataPlane.trustProxy),
      failedCredentials: config.server.dataPlane.failedCredentials,
      accessLog: config.logging.accessLog,
      adminAuthenticators,
      poolKeys,
      verifierKeys,
      lease: { active: 0, retired: false },
    };
  } catch (err) {
    for (const key of poolKeys) ctx.pools.release(key);
    for (const key of verifierKeys) ctx.verifiers.release(key);
    throw err;
  }
}

/**
 * What of the client's headers reaches the upstream. Always removed (a deployment cannot
 * keep them): the identity headers and mapped claim headers, Authorization unless
 * forwarded, the API-key header, and look-alikes of the headers the proxy sets itself.
 * Removed by default, unless kept: other proxies' identity and override headers.
 */
function compileHeaderPolicy(
  d: DeploymentConfig,
  auth: AuthSettingsConfig,
  gate: Gate,
): UpstreamHeaderPolicy {
  const always = new Set<string>([...IDENTITY_HEADER_NAMES, ...gate.identityHeaderNames, ...SET_BY_PROXY]);
  if (!auth.forwardAuthorization) always.add('authorization');
  // The API key is a credential like Authorization: it never reaches the upstream.
  if (auth.methods.includes('apiKeys') && auth.apiKeys && auth.apiKeys.header !== false)
    always.add(auth.apiKeys.header.toLowerCase());
  return {
    inbound: compileInboundHeaderFilter({
      always,
      keep: d.headers?.keepInbound ?? [],
      strip: d.headers?.stripInbound ?? [],
    }),
    preserveHost: d.preserveHost,
  };
}

/**
 * How users prove who they are on the admin API (admin keys are checked separately):
 * Gatehouse's own tokens when the token service registered its method, then the JWT
 * providers listed in server.admin.providers.
 */
function compileAdminAuthenticators(
  config: GatehouseConfig,
  methods: PlanMethods,
  handles: ReadonlyMap<string, VerifierHandle>,
  ctx: CompileContext,
): Authenticator[] {
  const out: Authenticator[] = [];
  const admin = { deploymentId: '(admin)', serviceId: '(admin)', inherited: false };
  if (methods.has('gatehouse'))
    out.push(methods.create('gatehouse', { ...admin, settings: ADMIN_GATEHOUSE_SETTINGS }));
  const providers = config.server.admin.providers;
  if (providers.length > 0)
    out.push(
      createJwtAuthenticator({
        verifiers: providers.map((id) => handles.get(id) as VerifierHandle),
        cache: ctx.tokenCache,
        revocations: ctx.revocations,
        metrics: ctx.metrics,
      }),
    );
  return out;
}

const ADMIN_GATEHOUSE_SETTINGS = authSettingsSchema.parse({ methods: ['gatehouse'] });

/** Starts (or reuses) a verifier for every provider some deployment uses, in parallel. */
async function acquireVerifiers(
  config: GatehouseConfig,
  registry: VerifierRegistry,
  keys: string[],
): Promise<Map<string, VerifierHandle>> {
  const versions = config.services.flatMap((s) =>
    s.versions.map((v) => [`${s.id}/${v.id}`, v.auth] as const),
  );
  const versionAuth = new Map(versions);
  const used = new Set<string>();
  for (const d of config.deployments) {
    const auth = d.auth === 'inherit' ? versionAuth.get(`${d.service}/${d.version}`) : d.auth;
    for (const id of auth?.jwt?.providers ?? []) used.add(id);
  }
  for (const id of config.server.admin.providers) used.add(id);
  const providers = config.providers.filter((p) => used.has(p.id));
  const handles = await Promise.all(
    providers.map(async (provider) => {
      const handle = await registry.acquire(provider);
      keys.push(handle.key);
      return handle;
    }),
  );
  return new Map(handles.map((h) => [h.provider.id, h]));
}
