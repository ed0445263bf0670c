/**
 * The long-lived parts every Gatehouse has, built once at start-up in dependency order:
 * logger, metrics and clock; the state store and the control-plane state read from it;
 * then the shared registries the plans take references in (upstream pools, JWT
 * verifiers), the revocation list, the verified-token cache, the usage recorder, the
 * plan holder and the authentication-method registry (the file's methods; control
 * modules add theirs in modules.ts).
 */
import { registerFileMethods } from '../auth/authenticators/file-methods.js';
import { registerMtlsMethod } from '../auth/authenticators/mtls.js';
import { MethodRegistry } from '../auth/method-registry.js';
import { RevocationList } from '../auth/revocation.js';
import { VerifiedTokenCache } from '../auth/token-cache.js';
import { VerifierRegistry } from '../auth/verifier-registry.js';
import { systemClock, type Clock } from '../clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import { ControlState } from '../control/state.js';
import { UsageRecorder } from '../control/usage.js';
import { createLogger, type Logger } from '../observability/log.js';
import { GatehouseMetrics } from '../observability/metrics.js';
import { PlanHolder } from '../plan/plan.js';
import { TrafficPolicy } from '../policy/traffic-policy.js';
import { PoolRegistry } from '../proxy/pool-registry.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { dataPlaneSuppliesClientCertificates } from '../tls/listeners.js';
import { createUpstreamTlsProvider } from '../tls/upstream-tls.js';

export interface ServiceOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Export Node's default process metrics (off in tests that start many instances). */
  readonly defaultMetrics?: boolean;
}

export interface Services {
  readonly logger: Logger;
  readonly metrics: GatehouseMetrics;
  readonly clock: Clock;
  readonly store: Store;
  readonly state: ControlState;
  readonly pools: PoolRegistry;
  readonly verifiers: VerifierRegistry;
  readonly revocations: RevocationList;
  readonly tokenCache: VerifiedTokenCache;
  readonly usage: UsageRecorder;
  readonly plans: PlanHolder;
  readonly methods: MethodRegistry;
  /** Rate limits, failed-credential throttling and CORS: one for the data plane and the decision endpoint. */
  readonly traffic: TrafficPolicy;
  /** The configuration file's folder (relative certificate paths). */
  readonly baseDir: string;
}

/** Opens the store and reads the control-plane state; on failure nothing stays open. */
export async function openServices(
  config: GatehouseConfig,
  options: ServiceOptions,
  baseDir: string,
): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logging.level);
  const metrics = new GatehouseMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const store = await createStore(config.store, { clock, logger, metrics });
  let state: ControlState;
  try {
    state = await ControlState.open(store, { logger, clock, metrics });
  } catch (err) {
    await store.close();
    throw err;
  }
  const pools = new PoolRegistry(
    clock,
    metrics,
    logger,
    createUpstreamTlsProvider({ baseDir, metrics, logger }),
  );
  const verifiers = new VerifierRegistry({ clock, metrics, logger });
  const revocations = new RevocationList(clock);
  const tokenCache = new VerifiedTokenCache({
    maxEntries: config.tokenCache.maxEntries,
    maxTtlMs: config.tokenCache.maxTtlSec * 1000,
    clock,
    revocations,
    metrics,
  });
  return {
    logger,
    metrics,
    clock,
    store,
    state,
    pools,
    verifiers,
    revocations,
    tokenCache,
    usage: new UsageRecorder(store, clock, logger),
    plans: new PlanHolder({ pools, verifiers }),
    methods: fileMethods(config, { tokenCache, revocations, metrics }),
    traffic: new TrafficPolicy({ store, clock, metrics, logger }),
    baseDir,
  };
}

/**
 * The methods the file provides: apiKeys and jwt, and mtls when the data-plane listeners
 * ask for client certificates (they are built from the first file; check-config refuses
 * `mtls` otherwise).
 */
function fileMethods(
  config: GatehouseConfig,
  deps: Parameters<typeof registerFileMethods>[1],
): MethodRegistry {
  const registry = registerFileMethods(new MethodRegistry(), deps);
  if (dataPlaneSuppliesClientCertificates(config)) registerMtlsMethod(registry);
  return registry;
}

/** Frees what openServices built (after the modules and plans that use it are gone). */
export async function closeServices(services: Services): Promise<void> {
  services.plans.clear();
  await services.pools.closeAll();
  services.verifiers.closeAll();
  services.tokenCache.close();
  await services.usage.close();
  await services.state.close();
  await services.store.close();
}
