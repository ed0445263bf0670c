/**
 * The composition root: `Gatehouse.start` assembles a running gateway in order
 * (services.ts: store → state → registries; modules.ts: control modules and their
 * authentication methods; the first plan; listeners.ts), and `stop()` drains it
 * (shutdown.ts) and frees everything in the reverse order.
 */
import { dirname, resolve } from 'node:path';
import type { RevocationList } from '../auth/revocation.js';
import type { VerifiedTokenCache } from '../auth/token-cache.js';
import type { Clock } from '../clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { ControlModule, ControlModuleFactory } from '../control/module.js';
import type { ControlState } from '../control/state.js';
import type { UsageRecorder } from '../control/usage.js';
import { AccessLog } from '../observability/access-log.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { PlanApplier, type ReloadResult } from '../plan/applier.js';
import type { PlanHolder } from '../plan/plan.js';
import { followPlanTriggers } from '../plan/triggers.js';
import { loadConfigFile } from '../plan/validate.js';
import { createAdminApp } from '../server/admin-plane.js';
import { DataPlane } from '../server/data-plane.js';
import type { Store } from '../store/types.js';
import type { ListenerServer } from '../tls/listener-server.js';
import { openListeners, type Listeners } from './listeners.js';
import { closeModules, CONTROL_MODULES, startModules } from './modules.js';
import { closeServices, openServices, type ServiceOptions, type Services } from './services.js';
import { drainListeners } from './shutdown.js';

export type { ReloadResult } from '../plan/applier.js';

export interface GatehouseOptions extends ServiceOptions {
  readonly configPath: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
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
  private readonly applier: PlanApplier;
  /** "Last used" times (tests flush it before reading them back). */
  private readonly usage: UsageRecorder;
  private readonly accessLog: AccessLog;
  /** The decision endpoint's URL when `server.decisions` is configured, else ''. */
  decisionsUrl = '';
  private modules: readonly ControlModule[] = [];
  private draining = false;
  private stopping: Promise<void> | undefined;
  private stopTriggers: (() => void) | undefined;
  private listeners: Listeners | undefined;
  dataPlaneUrl = '';
  /** The plain-HTTP data-plane listener beside a TLS one (`server.dataPlane.plainHttp`), if any. */
  plainDataPlaneUrl = '';
  adminUrl = '';

  private constructor(
    options: GatehouseOptions,
    loaded: { config: GatehouseConfig; hash: string },
    private readonly services: Services,
  ) {
    ({
      logger: this.logger,
      metrics: this.metrics,
      clock: this.clock,
      store: this.store,
      state: this.state,
      plans: this.plans,
      revocations: this.revocations,
      tokenCache: this.tokenCache,
      usage: this.usage,
    } = services);
    this.applier = new PlanApplier(
      {
        ...services,
        configPath: resolve(options.configPath),
        env: options.env,
        onApiKeyUse: (keyId) => services.usage.record('api-key', keyId),
      },
      loaded,
    );
    const accessLog = (this.accessLog = new AccessLog(this.logger));
    this.dataPlane = new DataPlane({
      plans: this.plans,
      metrics: this.metrics,
      logger: this.logger,
      pools: services.pools,
      clock: this.clock,
      traffic: services.traffic,
      isDraining: () => this.draining,
      // The switch is compiled into the plan (logging.accessLog); no file read per request.
      accessLog,
    });
  }

  /**
   * Loads and validates the file, opens the store and reads the control-plane state,
   * starts the control modules, compiles the first plan and starts both listeners.
   * Throws ConfigError on a bad file.
   */
  static async start(options: GatehouseOptions): Promise<Gatehouse> {
    const loaded = await loadConfigFile(options.configPath, options.env);
    const services = await openServices(loaded.config, options, dirname(resolve(options.configPath)));
    const gatehouse = new Gatehouse(options, loaded, services);
    try {
      gatehouse.modules = await startModules(
        options.modules ?? CONTROL_MODULES,
        services,
        () => gatehouse.applier.fileConfig,
      );
      const initial = services.state.snapshot;
      await gatehouse.applier.installInitial(initial);
      gatehouse.stopTriggers = followPlanTriggers(gatehouse.applier, {
        state: services.state,
        initial,
        watch: loaded.config.server.reload.watch
          ? { path: resolve(options.configPath), debounceMs: loaded.config.server.reload.debounceMs }
          : undefined,
        isStopping: () => gatehouse.draining,
      });
      await gatehouse.listen();
    } catch (err) {
      gatehouse.stopTriggers?.();
      await gatehouse.release();
      throw err;
    }
    return gatehouse;
  }

  /** The admin listener (tests read the routes Express serves from it). */
  private get adminServer(): ListenerServer | undefined {
    return this.listeners?.admin;
  }

  get currentConfig(): GatehouseConfig {
    return this.applier.fileConfig;
  }

  private async listen(): Promise<void> {
    const config = this.applier.fileConfig;
    const admin = createAdminApp({
      readiness: { notReadyReason: () => this.notReadyReason() },
      metrics: this.metrics,
      logger: this.logger,
      routers: this.modules.flatMap((m) => (m.router ? [m.router] : [])),
      maxBodyBytes: config.server.admin.maxBodyBytes,
    });
    const { metrics, logger, plans } = this;
    const traffic = this.services.traffic;
    this.listeners = await openListeners(
      config,
      { dataPlane: this.dataPlane, admin, decisions: { plans, traffic, metrics, logger } },
      { baseDir: this.services.baseDir, metrics, logger },
    );
    ({
      dataPlaneUrl: this.dataPlaneUrl,
      plainDataPlaneUrl: this.plainDataPlaneUrl,
      adminUrl: this.adminUrl,
      decisionsUrl: this.decisionsUrl,
    } = this.listeners);
    this.logger.info(
      {
        dataPlane: this.dataPlaneUrl,
        ...(this.plainDataPlaneUrl ? { plainDataPlane: this.plainDataPlaneUrl } : {}),
        admin: this.adminUrl,
        ...(this.decisionsUrl ? { decisions: this.decisionsUrl } : {}),
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
    // Certificate files are checked at once too (they are also polled every reloadCheckMs).
    for (const listener of [this.listeners?.data, this.listeners?.admin]) listener?.reloader?.check(reason);
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
    this.draining = true;
    this.stopTriggers?.();
    await drainListeners(
      {
        data: this.listeners
          ? [this.listeners.data, ...(this.listeners.plain ? [this.listeners.plain] : [])]
          : [],
        admin: this.listeners?.admin,
        decisions: this.listeners?.decisions,
        inFlight: () => this.dataPlane.inFlight,
        idle: () => this.plans.idle(),
        upgradedSockets: () => this.dataPlane.upgradedSockets,
        logger: this.logger,
      },
      this.applier.fileConfig.server.shutdown,
    );
    this.accessLog.flush();
    await this.release();
    this.logger.info('stopped');
    this.logger.flush();
  }

  /** Frees everything but the listeners: plan, pools, verifiers, modules, state, store. */
  private async release(): Promise<void> {
    this.applier.close();
    this.plans.clear();
    await closeModules(this.modules);
    await closeServices(this.services);
  }
}
