import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RevocationList } from './auth/revocation.js';
import { VerifiedTokenCache } from './auth/token-cache.js';
import { VerifierRegistry } from './auth/verifier-registry.js';
import { systemClock, type Clock } from './clock.js';
import { disposePlan } from './config/compile.js';
import { loadConfigFile } from './config/load.js';
import { PlanHolder } from './config/plan.js';
import type { GatehouseConfig } from './config/schema.js';
import { watchConfigFile } from './config/watch.js';
import { AUTH_METHODS } from './config/schema-auth.js';
import { PrincipalResolver } from './control/principal.js';
import { ControlState } from './control/state.js';
import { UsageRecorder } from './control/usage.js';
import { AccessLog } from './observability/access-log.js';
import { createLogger, type Logger } from './observability/log.js';
import { GatehouseMetrics } from './observability/metrics.js';
import { MethodRegistry, type AuthenticatorFactory } from './pipeline/method-registry.js';
import { PoolRegistry } from './proxy/pool-registry.js';
import type { ControlContext, ControlModule, ControlModuleFactory } from './runtime/control-module.js';
import { closeServer, listen, urlOf } from './runtime/listeners.js';
import { CONTROL_MODULES } from './runtime/modules.js';
import { applyOwnWrite } from './runtime/apply-now.js';
import { PlanApplier, type ReloadResult } from './runtime/plan-applier.js';
import { createAdminApp } from './server/admin-plane.js';
import { handleClientError } from './server/client-error.js';
import { createListenerServer, type ListenerServer } from './tls/listener-server.js';
import { dataPlaneSuppliesClientCertificates, listenerTls, listenerTlsWarnings } from './tls/listeners.js';
import { registerMtlsMethod } from './auth/authenticators/mtls.js';
import { createUpstreamTlsProvider } from './tls/upstream-tls.js';
import { DataPlane } from './server/data-plane.js';
import { createStore } from './store/index.js';
import type { Store } from './store/types.js';

export type { ReloadResult } from './runtime/plan-applier.js';

const unusedFactory: AuthenticatorFactory = () => {
  throw new Error('probe only');
};

export interface GatehouseOptions {
  readonly configPath: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Export Node's default process metrics (off in tests that start many instances). */
  readonly defaultMetrics?: boolean;
  /** Control-plane modules (default: the admin API and the token service). */
  readonly modules?: readonly ControlModuleFactory[];
}

/**
 * A running Gatehouse: the data plane and the admin listener over a hot-swappable plan
 * built from the configuration file plus the objects created through the admin API.
 * `Gatehouse.start` assembles it; `reload()` re-reads the file; `stop()` drains.
 */
export class Gatehouse {
  readonly logger: Logger;
  readonly metrics: GatehouseMetrics;
  readonly plans: PlanHolder;
  readonly dataPlane: DataPlane;
  readonly revocations: RevocationList;
  readonly tokenCache: VerifiedTokenCache;
  readonly clock: Clock;
  readonly store: Store;
  readonly state: ControlState;
  private readonly pools: PoolRegistry;
  private readonly verifiers: VerifierRegistry;
  private readonly applier: PlanApplier;
  private readonly usage: UsageRecorder;
  private readonly accessLog: AccessLog;
  private modules: readonly ControlModule[] = [];
  private draining = false;
  private stopping: Promise<void> | undefined;
  private stopWatching: (() => void) | undefined;
  private stopFollowingState: (() => void) | undefined;
  private dataServer: ListenerServer | undefined;
  private plainServer: ListenerServer | undefined;
  private adminServer: ListenerServer | undefined;
  private readonly baseDir: string;
  private readonly clientCertificates: boolean;
  dataPlaneUrl = '';
  /** The plain-HTTP data-plane listener beside a TLS one (`server.dataPlane.plainHttp`), if any. */
  plainDataPlaneUrl = '';
  adminUrl = '';

  private constructor(
    options: GatehouseOptions,
    loaded: { config: GatehouseConfig; hash: string },
    parts: { logger: Logger; metrics: GatehouseMetrics; clock: Clock; store: Store; state: ControlState },
  ) {
    const { config } = loaded;
    this.baseDir = dirname(resolve(options.configPath));
    // Listeners are built from the first file: method mtls exists when they ask for certificates.
    const clientCertificates = dataPlaneSuppliesClientCertificates(config);
    this.clientCertificates = clientCertificates;
    ({
      logger: this.logger,
      metrics: this.metrics,
      clock: this.clock,
      store: this.store,
      state: this.state,
    } = parts);
    this.pools = new PoolRegistry(
      this.clock,
      this.metrics,
      this.logger,
      createUpstreamTlsProvider({ baseDir: this.baseDir, metrics: this.metrics, logger: this.logger }),
    );
    this.verifiers = new VerifierRegistry({ clock: this.clock, metrics: this.metrics, logger: this.logger });
    this.revocations = new RevocationList(this.clock);
    this.tokenCache = new VerifiedTokenCache({
      maxEntries: config.tokenCache.maxEntries,
      maxTtlMs: config.tokenCache.maxTtlSec * 1000,
      clock: this.clock,
      revocations: this.revocations,
      metrics: this.metrics,
    });
    this.usage = new UsageRecorder(this.store, this.clock, this.logger);
    this.plans = new PlanHolder((plan) => disposePlan(plan, this.pools, this.verifiers));
    this.applier = new PlanApplier(
      {
        configPath: resolve(options.configPath),
        env: options.env,
        plans: this.plans,
        clock: this.clock,
        logger: this.logger,
        metrics: this.metrics,
        pools: this.pools,
        verifiers: this.verifiers,
        tokenCache: this.tokenCache,
        revocations: this.revocations,
        extendMethods: (registry) => {
          for (const module of this.modules) module.registerMethods?.(registry);
          if (clientCertificates) registerMtlsMethod(registry);
        },
        onApiKeyUse: (keyId) => this.usage.record('api-key', keyId),
      },
      loaded,
    );
    const accessLog = (this.accessLog = new AccessLog(this.logger));
    this.dataPlane = new DataPlane({
      plans: this.plans,
      metrics: this.metrics,
      logger: this.logger,
      pools: this.pools,
      clock: this.clock,
      isDraining: () => this.draining,
      accessLog: () =>
        this.applier.fileConfig.logging.accessLog && accessLog.enabled ? accessLog : undefined,
    });
  }

  /**
   * Loads and validates the file, opens the store and reads the control-plane state,
   * compiles the first plan and starts both listeners. Throws ConfigError on a bad file.
   */
  static async start(options: GatehouseOptions): Promise<Gatehouse> {
    const loaded = await loadConfigFile(options.configPath, options.env);
    const { config } = loaded;
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
    const gatehouse = new Gatehouse(options, loaded, { logger, metrics, clock, store, state });
    try {
      await gatehouse.startModules(options.modules ?? CONTROL_MODULES);
      const initial = state.snapshot;
      await gatehouse.applier.installInitial(initial);
      // Awaited by the state's re-read: a write's answer waits for the rebuilt plan.
      gatehouse.stopFollowingState = state.onChange(async (snapshot) => {
        const rebuilt = await gatehouse.applier.rebuild(snapshot, 'control-plane change');
        if (!rebuilt.ok) throw new Error(rebuilt.error);
      });
      if (state.snapshot !== initial) void gatehouse.applier.rebuild(state.snapshot, 'control-plane change');
      await gatehouse.listen();
    } catch (err) {
      await gatehouse.release();
      throw err;
    }
    if (config.server.reload.watch)
      gatehouse.stopWatching = watchConfigFile(
        resolve(options.configPath),
        config.server.reload.debounceMs,
        () => {
          void gatehouse.reload('file change');
        },
      );
    return gatehouse;
  }

  get currentConfig(): GatehouseConfig {
    return this.applier.fileConfig;
  }

  private async startModules(factories: readonly ControlModuleFactory[]): Promise<void> {
    const principals = new PrincipalResolver({
      store: this.store,
      users: {
        user: (id) => this.state.snapshot.users.find((u) => u.id === id),
        groupGrants: () => {
          const grants: Record<string, readonly ('admin' | 'createService')[]> = {};
          for (const g of this.state.snapshot.groups) grants[g.id] = g.global;
          for (const g of this.applier.fileConfig.groups) grants[g.id] = g.global;
          return grants;
        },
      },
      authenticators: () => this.plans.current?.adminAuthenticators ?? [],
      onAdminKeyUse: (keyId) => this.usage.record('admin-key', keyId),
    });
    const context: ControlContext = {
      store: this.store,
      state: this.state,
      fileConfig: () => this.applier.fileConfig,
      principals,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      revocations: this.revocations,
      tokenCache: this.tokenCache,
      usage: this.usage,
      routes: () => this.modules.flatMap((m) => m.routes ?? []),
      authMethods: () => {
        // The methods compilePlan registers (apiKeys, jwt) plus the modules' own.
        const probe = new MethodRegistry().register('apiKeys', unusedFactory).register('jwt', unusedFactory);
        for (const module of this.modules) module.registerMethods?.(probe);
        if (this.clientCertificates) registerMtlsMethod(probe);
        return new Set(AUTH_METHODS.filter((m) => m === 'public' || probe.has(m)));
      },
      applyNow: () => applyOwnWrite(this.state),
    };
    const modules: ControlModule[] = [];
    for (const factory of factories) modules.push(await factory(context));
    this.modules = modules;
  }

  private async listen(): Promise<void> {
    const config = this.applier.fileConfig;
    const dp = config.server.dataPlane;
    const tlsDeps = { baseDir: this.baseDir, metrics: this.metrics, logger: this.logger };
    const dataHandlers = {
      request: this.dataPlane.handleRequest,
      checkContinue: this.dataPlane.handleCheckContinue,
      upgrade: this.dataPlane.handleUpgrade,
      connect: this.dataPlane.handleConnect,
      clientError: handleClientError,
    };
    const dataOptions = {
      keepAliveTimeout: dp.keepAliveTimeoutMs,
      headersTimeout: dp.headersTimeoutMs,
      // Request bodies have per-deployment deadlines (requestTimeoutMs) in the data plane.
      requestTimeout: 0,
      // Node checks headersTimeout on this sweep (default every 30 s, so a slow client
      // kept its socket up to 30 s longer). One timer per server; twice a second keeps
      // the timeout within half a second (it fired up to a whole interval late at 1 s).
      connectionsCheckingInterval: Math.min(500, Math.ceil(dp.headersTimeoutMs / 2)),
    };
    this.dataServer = createListenerServer(
      dataOptions,
      dataHandlers,
      listenerTls('dataPlane', dp.tls, tlsDeps),
    );
    if (dp.tls && dp.plainHttp) this.plainServer = createListenerServer(dataOptions, dataHandlers, undefined);
    const admin = createAdminApp({
      readiness: { notReadyReason: () => this.notReadyReason() },
      metrics: this.metrics,
      logger: this.logger,
      routers: this.modules.flatMap((m) => (m.router ? [m.router] : [])),
      maxBodyBytes: config.server.admin.maxBodyBytes,
    });
    this.adminServer = createListenerServer(
      {},
      { request: admin },
      listenerTls('admin', config.server.admin.tls, tlsDeps),
    );
    for (const warning of listenerTlsWarnings(config)) this.logger.warn(warning);
    this.dataPlaneUrl = urlOf(
      await listen(this.dataServer.server, dp.port, dp.host),
      this.dataServer.protocol,
    );
    if (this.plainServer && dp.plainHttp)
      this.plainDataPlaneUrl = urlOf(
        await listen(this.plainServer.server, dp.plainHttp.port, dp.plainHttp.host),
      );
    this.adminUrl = urlOf(
      await listen(this.adminServer.server, config.server.admin.port, config.server.admin.host),
      this.adminServer.protocol,
    );
    this.logger.info(
      {
        dataPlane: this.dataPlaneUrl,
        ...(this.plainDataPlaneUrl ? { plainDataPlane: this.plainDataPlaneUrl } : {}),
        admin: this.adminUrl,
        store: this.store.backend,
        deployments: this.plans.current?.deployments.size,
      },
      'gatehouse listening',
    );
  }

  private notReadyReason(): string | null {
    if (this.draining) return 'draining';
    if (!this.plans.current) return 'no configuration loaded';
    const maxStaleSec = this.applier.fileConfig.store.maxStaleSec;
    for (const { state, seconds } of this.metrics.staleStates())
      if (maxStaleSec > 0 && seconds > maxStaleSec)
        return `${state} state stale for ${Math.floor(seconds)} s: the state store cannot be read`;
    return null;
  }

  /** Re-reads the configuration file. An invalid file is refused and the running plan keeps serving. */
  reload(reason = 'requested'): Promise<ReloadResult> {
    if (this.draining) return Promise.resolve({ ok: false, error: 'shutting down' });
    for (const listener of [this.dataServer, this.adminServer]) listener?.reloader?.check(reason);
    return this.applier.reload(reason);
  }

  /**
   * Graceful shutdown: readiness fails at once, listeners close after
   * `readinessDelayMs`, in-flight requests get `drainTimeoutMs` to finish.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { readinessDelayMs, drainTimeoutMs } = this.applier.fileConfig.server.shutdown;
    this.draining = true;
    this.stopWatching?.();
    this.stopFollowingState?.();
    this.logger.info(
      { inFlight: this.dataPlane.inFlight, readinessDelayMs, drainTimeoutMs },
      'shutting down',
    );
    if (readinessDelayMs > 0) await sleep(readinessDelayMs);
    const dataServers = [this.dataServer, this.plainServer].filter((l) => l !== undefined);
    for (const listener of [...dataServers, this.adminServer]) listener?.reloader?.stop();
    const closed = Promise.all(dataServers.map((l) => closeServer(l.server)));
    const closeIdle = (): void => {
      for (const listener of dataServers) listener.closeIdleConnections();
    };
    closeIdle();
    const deadline = Date.now() + drainTimeoutMs;
    while (this.dataPlane.inFlight > 0 && Date.now() < deadline) {
      await sleep(25);
      closeIdle();
    }
    if (this.dataPlane.inFlight > 0)
      this.logger.warn(
        { inFlight: this.dataPlane.inFlight },
        'drain deadline reached; closing remaining connections',
      );
    for (const listener of dataServers) listener.closeAllConnections();
    for (const socket of this.dataPlane.upgradedSockets) socket.destroy();
    await closed;
    if (this.adminServer) {
      const adminClosed = closeServer(this.adminServer.server);
      this.adminServer.closeAllConnections();
      await adminClosed;
    }
    this.accessLog.flush();
    await this.release();
    this.logger.info('stopped');
    this.logger.flush();
  }

  /** Frees everything but the listeners: plan, pools, verifiers, modules, state, store. */
  private async release(): Promise<void> {
    this.applier.close();
    this.plans.clear();
    await this.pools.closeAll();
    this.verifiers.closeAll();
    this.tokenCache.close();
    for (const module of this.modules) await module.close?.();
    await this.usage.close();
    await this.state.close();
    await this.store.close();
  }
}
