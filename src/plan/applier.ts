import type { RevocationList } from '../auth/revocation.js';
import type { VerifiedTokenCache } from '../auth/token-cache.js';
import type { VerifierRegistry } from '../auth/verifier-registry.js';
import type { Clock } from '../clock.js';
import { compilePlan } from './compile.js';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { loadConfigFile } from './validate.js';
import type { PlanHolder } from './plan.js';
import { checkReferences } from '../config/references.js';
import type { GatehouseConfig } from '../config/schema.js';
import { ManagedApiKeyIndex } from '../control/managed-api-keys.js';
import { assemblePlanInputs } from './inputs.js';
import { EMPTY_SNAPSHOT, type ControlSnapshot } from '../control/state.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { MethodRegistry } from '../auth/method-registry.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';

export type ReloadResult =
  | { ok: true; generation: number; changed: boolean }
  /** `issues`: the file's problems at their key paths, as `check-config` lists them. */
  | { ok: false; error: string; issues?: readonly ConfigIssue[] };

export interface PlanApplierDeps {
  readonly configPath: string;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  readonly plans: PlanHolder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatehouseMetrics;
  readonly pools: PoolRegistry;
  readonly verifiers: VerifierRegistry;
  readonly tokenCache: VerifiedTokenCache;
  readonly revocations: RevocationList;
  /** The authentication methods this server provides (built once at start-up). */
  readonly methods: MethodRegistry;
  /** Records an API key use (for "last used"). */
  readonly onApiKeyUse?: (keyId: string) => void;
}

/**
 * Builds and swaps the data-plane plan from the configuration file plus the objects
 * created through the admin API. Every rebuild (file reload, SIGHUP, control-plane
 * change) goes through one queue, so two never interleave; a failed rebuild keeps the
 * running plan and is logged and counted.
 */
export class PlanApplier {
  private config: GatehouseConfig;
  private configHash: string;
  private snapshot: ControlSnapshot = EMPTY_SNAPSHOT;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly deps: PlanApplierDeps,
    initial: { config: GatehouseConfig; hash: string },
  ) {
    this.config = initial.config;
    this.configHash = initial.hash;
  }

  get fileConfig(): GatehouseConfig {
    return this.config;
  }

  /** The first plan: failures propagate (the process must not start without one). */
  async installInitial(snapshot: ControlSnapshot): Promise<number> {
    this.snapshot = snapshot;
    return this.install(this.config);
  }

  /**
   * Re-reads the file through the same validation as `check-config` and `start`
   * (loadConfigFile); unchanged text after a file event is a no-op.
   */
  reload(reason: string): Promise<ReloadResult> {
    return this.enqueue(
      async () => {
        const { config, hash } = await loadConfigFile(this.deps.configPath, this.deps.env);
        if (hash === this.configHash && reason === 'file change')
          return { ok: true, generation: this.deps.plans.current?.generation ?? 0, changed: false };
        warnOnListenerChange(this.deps.logger, this.config, config);
        const generation = await this.install(config);
        this.config = config;
        this.configHash = hash;
        return { ok: true, generation, changed: true };
      },
      reason,
      'file',
    );
  }

  /**
   * Rebuilds with a new control-plane snapshot (the file is not re-read). ControlState
   * awaits this for every re-read, so a write's answer waits for the plan that serves it.
   */
  rebuild(snapshot: ControlSnapshot, reason: string): Promise<ReloadResult> {
    return this.enqueue(
      async () => {
        const previous = this.snapshot;
        this.snapshot = snapshot;
        try {
          return { ok: true, generation: await this.install(this.config), changed: true };
        } catch (err) {
          this.snapshot = previous;
          throw err;
        }
      },
      reason,
      'control',
    );
  }

  close(): void {
    this.closed = true;
  }

  private enqueue(
    task: () => Promise<ReloadResult>,
    reason: string,
    kind: 'file' | 'control',
  ): Promise<ReloadResult> {
    const run = async (): Promise<ReloadResult> => {
      if (this.closed) return { ok: false, error: 'shutting down' };
      try {
        const result = await task();
        if (result.ok && result.changed) {
          this.deps.metrics.configReloads.labels('success').inc();
          this.deps.logger.info(
            { reason, generation: result.generation },
            kind === 'file' ? 'configuration reloaded' : 'plan rebuilt from control-plane changes',
          );
        }
        return result;
      } catch (err) {
        this.deps.metrics.configReloads.labels('failure').inc();
        const message = err instanceof Error ? err.message : String(err);
        const issues = err instanceof ConfigError ? err.issues : undefined;
        this.deps.logger.error(
          { reason, issues, error: issues ? undefined : message },
          kind === 'file'
            ? 'configuration reload refused; keeping the running configuration'
            : 'control-plane changes refused; keeping the running plan',
        );
        return issues ? { ok: false, error: message, issues } : { ok: false, error: message };
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result;
    return result;
  }

  private async install(fileConfig: GatehouseConfig): Promise<number> {
    const config = assemblePlanInputs(fileConfig, this.snapshot, this.deps.logger);
    // The file's own objects were checked when it was read (loadConfigFile); a second
    // pass over 10,000 deployments is only worth it when the admin API adds objects.
    const issues = addsObjects(this.snapshot) ? checkReferences(config) : [];
    if (issues.length > 0) throw new ConfigError('configuration + admin API objects', issues);
    const plan = await compilePlan(config, {
      clock: this.deps.clock,
      metrics: this.deps.metrics,
      pools: this.deps.pools,
      verifiers: this.deps.verifiers,
      tokenCache: this.deps.tokenCache,
      revocations: this.deps.revocations,
      managedApiKeys: new ManagedApiKeyIndex(this.snapshot.apiKeys, this.deps.onApiKeyUse),
      methods: this.deps.methods,
    });
    this.deps.plans.swap(plan);
    this.deps.logger.level = fileConfig.logging.level;
    this.deps.metrics.setHealthSources(this.deps.pools.healthSources());
    this.deps.metrics.deploymentsLoaded.set(plan.deployments.size);
    this.deps.metrics.configLastSuccess.set(Date.now() / 1000);
    return plan.generation;
  }
}

function addsObjects(snapshot: ControlSnapshot): boolean {
  const { infrastructures, services, versions, deployments, groups } = snapshot;
  return [infrastructures, services, versions, deployments, groups].some((list) => list.length > 0);
}

function warnOnListenerChange(logger: Logger, before: GatehouseConfig, after: GatehouseConfig): void {
  const fixed = (c: GatehouseConfig): string =>
    JSON.stringify([c.server.dataPlane.host, c.server.dataPlane.port, c.server.admin, c.store, c.tokenCache]);
  if (fixed(before) !== fixed(after))
    logger.warn(
      'listener, store or token-cache settings changed in the file; they take effect at the next restart',
    );
}
