import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RevocationList } from './auth/revocation.js';
import { VerifiedTokenCache } from './auth/token-cache.js';
import { VerifierRegistry } from './auth/verifier-registry.js';
import { systemClock, type Clock } from './clock.js';
import { compilePlan, disposePlan } from './config/compile.js';
import { ConfigError } from './config/issues.js';
import { loadConfigFile } from './config/load.js';
import { PlanHolder } from './config/plan.js';
import type { GatehouseConfig } from './config/schema.js';
import { watchConfigFile } from './config/watch.js';
import { createLogger, type Logger } from './observability/log.js';
import { GatehouseMetrics } from './observability/metrics.js';
import { PoolRegistry } from './proxy/pool-registry.js';
import { createAdminApp } from './server/admin-plane.js';
import { handleClientError } from './server/client-error.js';
import { DataPlane } from './server/data-plane.js';

export interface GatehouseOptions {
  readonly configPath: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Export Node's default process metrics (off in tests that start many instances). */
  readonly defaultMetrics?: boolean;
}

export type ReloadResult = { ok: true; generation: number; changed: boolean } | { ok: false; error: string };

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
}

/**
 * A running Gatehouse: data plane and admin plane listeners over a hot-swappable plan.
 * Created by `Gatehouse.start`; `reload()` re-reads the file; `stop()` drains.
 */
export class Gatehouse {
  readonly logger: Logger;
  readonly metrics: GatehouseMetrics;
  readonly plans: PlanHolder;
  readonly dataPlane: DataPlane;
  private readonly pools: PoolRegistry;
  private readonly verifiers: VerifierRegistry;
  readonly revocations: RevocationList;
  readonly tokenCache: VerifiedTokenCache;
  private readonly clock: Clock;
  private readonly configPath: string;
  private config: GatehouseConfig;
  private configHash: string;
  private draining = false;
  private stopping: Promise<void> | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private reloadAgain = false;
  private stopWatching: (() => void) | undefined;
  private dataServer: Server | undefined;
  private adminServer: Server | undefined;
  dataPlaneUrl = '';
  adminUrl = '';

  private constructor(
    private readonly options: GatehouseOptions,
    config: GatehouseConfig,
    configHash: string,
  ) {
    this.configPath = resolve(options.configPath);
    this.config = config;
    this.configHash = configHash;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(config.logging.level);
    this.metrics = new GatehouseMetrics({ defaultMetrics: options.defaultMetrics ?? true });
    this.pools = new PoolRegistry(this.clock, this.metrics, this.logger);
    this.verifiers = new VerifierRegistry({ clock: this.clock, metrics: this.metrics, logger: this.logger });
    this.revocations = new RevocationList(this.clock);
    this.tokenCache = new VerifiedTokenCache({
      maxEntries: config.tokenCache.maxEntries,
      maxTtlMs: config.tokenCache.maxTtlSec * 1000,
      clock: this.clock,
      revocations: this.revocations,
    });
    this.plans = new PlanHolder((plan) => disposePlan(plan, this.pools, this.verifiers));
    this.dataPlane = new DataPlane({
      plans: this.plans,
      metrics: this.metrics,
      logger: this.logger,
      pools: this.pools,
      clock: this.clock,
      isDraining: () => this.draining,
      accessLog: () => this.config.logging.accessLog,
    });
  }

  /** Loads and validates the file, compiles the plan, and starts both listeners. Throws ConfigError. */
  static async start(options: GatehouseOptions): Promise<Gatehouse> {
    const { config, hash } = await loadConfigFile(options.configPath, options.env);
    const gatehouse = new Gatehouse(options, config, hash);
    await gatehouse.install(config);
    await gatehouse.listen();
    if (config.server.reload.watch)
      gatehouse.stopWatching = watchConfigFile(gatehouse.configPath, config.server.reload.debounceMs, () => {
        void gatehouse.reload('file change');
      });
    return gatehouse;
  }

  get currentConfig(): GatehouseConfig {
    return this.config;
  }

  private async install(config: GatehouseConfig): Promise<number> {
    const plan = await compilePlan(config, {
      clock: this.clock,
      metrics: this.metrics,
      pools: this.pools,
      verifiers: this.verifiers,
      tokenCache: this.tokenCache,
      revocations: this.revocations,
    });
    this.plans.swap(plan);
    this.config = config;
    this.logger.level = config.logging.level;
    this.metrics.setHealthSources(this.pools.healthSources());
    this.metrics.deploymentsLoaded.set(plan.deployments.size);
    this.metrics.configLastSuccess.set(Date.now() / 1000);
    return plan.generation;
  }

  private async listen(): Promise<void> {
    const dp = this.config.server.dataPlane;
    this.dataServer = createServer(
      { keepAliveTimeout: dp.keepAliveTimeoutMs, headersTimeout: dp.headersTimeoutMs, requestTimeout: 0 },
      this.dataPlane.handleRequest,
    );
    this.dataServer.on('upgrade', this.dataPlane.handleUpgrade);
    this.dataServer.on('clientError', handleClientError);
    const admin = createAdminApp({
      readiness: { notReadyReason: () => this.notReadyReason() },
      metrics: this.metrics,
      logger: this.logger,
    });
    this.adminServer = createServer(admin);
    const dataAddress = await listen(this.dataServer, dp.port, dp.host);
    const adminAddress = await listen(
      this.adminServer,
      this.config.server.admin.port,
      this.config.server.admin.host,
    );
    this.dataPlaneUrl = urlOf(dataAddress);
    this.adminUrl = urlOf(adminAddress);
    this.logger.info(
      { dataPlane: this.dataPlaneUrl, admin: this.adminUrl, deployments: this.config.deployments.length },
      'gatehouse listening',
    );
  }

  private notReadyReason(): string | null {
    if (this.draining) return 'draining';
    if (!this.plans.current) return 'no configuration loaded';
    return null;
  }

  /**
   * Re-reads the configuration file. An invalid file is refused, logged and counted;
   * the running plan keeps serving. Concurrent calls coalesce.
   */
  reload(reason = 'requested'): Promise<ReloadResult> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadOnce(reason).finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain && !this.draining) {
        this.reloadAgain = false;
        void this.reload(reason);
      }
    });
    return this.reloading;
  }

  private async reloadOnce(reason: string): Promise<ReloadResult> {
    if (this.draining) return { ok: false, error: 'shutting down' };
    try {
      const { config, hash } = await loadConfigFile(this.configPath, this.options.env);
      if (hash === this.configHash && reason === 'file change')
        return { ok: true, generation: this.plans.current?.generation ?? 0, changed: false };
      warnOnListenerChange(this.logger, this.config, config);
      const generation = await this.install(config);
      this.configHash = hash;
      this.metrics.configReloads.labels('success').inc();
      this.logger.info(
        { reason, generation, deployments: config.deployments.length },
        'configuration reloaded',
      );
      return { ok: true, generation, changed: true };
    } catch (err) {
      this.metrics.configReloads.labels('failure').inc();
      const message = err instanceof Error ? err.message : String(err);
      const issues = err instanceof ConfigError ? err.issues : undefined;
      this.logger.error(
        { reason, issues, error: issues ? undefined : message },
        'configuration reload refused; keeping the running configuration',
      );
      return { ok: false, error: message };
    }
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
    const { readinessDelayMs, drainTimeoutMs } = this.config.server.shutdown;
    this.draining = true;
    this.stopWatching?.();
    this.logger.info(
      { inFlight: this.dataPlane.inFlight, readinessDelayMs, drainTimeoutMs },
      'shutting down',
    );
    if (readinessDelayMs > 0) await sleep(readinessDelayMs);
    const dataServer = this.dataServer;
    const closed = dataServer ? closeServer(dataServer) : Promise.resolve();
    dataServer?.closeIdleConnections();
    const deadline = Date.now() + drainTimeoutMs;
    while (this.dataPlane.inFlight > 0 && Date.now() < deadline) {
      await sleep(25);
      dataServer?.closeIdleConnections();
    }
    if (this.dataPlane.inFlight > 0)
      this.logger.warn(
        { inFlight: this.dataPlane.inFlight },
        'drain deadline reached; closing remaining connections',
      );
    dataServer?.closeAllConnections();
    for (const socket of this.dataPlane.upgradedSockets) socket.destroy();
    await closed;
    this.plans.clear();
    await this.pools.closeAll();
    this.verifiers.closeAll();
    if (this.adminServer) {
      const adminClosed = closeServer(this.adminServer);
      this.adminServer.closeAllConnections();
      await adminClosed;
    }
    this.logger.info('stopped');
  }
}

function warnOnListenerChange(logger: Logger, before: GatehouseConfig, after: GatehouseConfig): void {
  const listeners = (c: GatehouseConfig): string =>
    JSON.stringify([c.server.dataPlane.host, c.server.dataPlane.port, c.server.admin]);
  if (listeners(before) !== listeners(after))
    logger.warn('listener addresses changed in the file; they take effect at the next restart');
}
