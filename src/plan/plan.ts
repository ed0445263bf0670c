import type { Authenticator } from '../auth/authenticator.js';
import type { VerifierRegistry } from '../auth/verifier-registry.js';
import type { Gate } from '../auth/types.js';
import type { DeploymentMetrics } from '../observability/metrics.js';
import type { FailedCredentialsConfig } from '../config/schema-policy.js';
import type { DeploymentTraffic } from '../policy/deployment-traffic.js';
import type { ProxyTrust } from '../proxy/forwarded.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import type { UpstreamHeaderPolicy } from '../proxy/request-headers.js';
import type { UpstreamPathRule } from '../proxy/upstream-path.js';
import type { UpstreamPool } from '../proxy/upstream-pool.js';
import type { MethodPolicy } from '../routing/allowed-methods.js';
import type { Router } from '../routing/router.js';

export interface EffectiveTimeouts {
  readonly connectMs: number;
  readonly responseMs: number;
  readonly idleMs: number;
}

/** Everything the data plane needs to serve one deployment, fixed at compile time. */
export interface CompiledDeployment {
  readonly id: string;
  readonly serviceId: string;
  readonly versionId: string;
  readonly infrastructureId: string;
  readonly enabled: boolean;
  readonly host: string | undefined;
  readonly basePath: string;
  /** Path and query the node receives (the base path stripped when `stripPrefix`). */
  readonly upstreamPath: UpstreamPathRule;
  readonly retryIdempotent: boolean;
  /** Methods served; others get 405 with `Allow`. */
  readonly methods: MethodPolicy;
  readonly timeouts: EffectiveTimeouts;
  readonly maxBodyBytes: number;
  /** Longest time the request body may take to arrive (0 = none). */
  readonly requestTimeoutMs: number;
  /** Body bytes received before the upstream request is opened (0 = at once). */
  readonly bodyBufferBytes: number;
  readonly pool: UpstreamPool;
  readonly gate: Gate;
  readonly headerPolicy: UpstreamHeaderPolicy;
  readonly metrics: DeploymentMetrics;
  /** Rate limits and CORS (src/policy/); undefined when the deployment has neither. */
  readonly traffic: DeploymentTraffic | undefined;
}

/** The immutable result of compiling a configuration. Requests only ever read it. */
export interface RuntimePlan {
  readonly generation: number;
  readonly router: Router<CompiledDeployment>;
  readonly deployments: ReadonlyMap<string, CompiledDeployment>;
  readonly proxyTrust: ProxyTrust;
  /** `server.dataPlane.failedCredentials`: how repeated 401s from one address are slowed. */
  readonly failedCredentials: FailedCredentialsConfig;
  /** `logging.accessLog`: one access-log line per data-plane request. */
  readonly accessLog: boolean;
  /** How users authenticate on the admin API with this plan's providers (admin keys aside). */
  readonly adminAuthenticators: readonly Authenticator[];
  /** Pool references this plan holds (released when the plan is retired and idle). */
  readonly poolKeys: readonly string[];
  /** JWT verifier references this plan holds. */
  readonly verifierKeys: readonly string[];
  /** Requests using this plan right now, and whether it has been replaced. */
  readonly lease: PlanLease;
}

export interface PlanLease {
  active: number;
  retired: boolean;
}

/** The shared registries a plan takes references in (released when the plan is disposed). */
export interface PlanRegistries {
  readonly pools: Pick<PoolRegistry, 'release'>;
  readonly verifiers: Pick<VerifierRegistry, 'release'>;
}

/**
 * Holds the running plan. A swap is one assignment; a request keeps the plan it
 * started with (lease), and a retired plan is disposed (its pool and verifier references
 * released) when its last request ends. `idle()` tells shutdown when no request holds
 * any plan.
 */
export class PlanHolder {
  private plan: RuntimePlan | undefined;
  /** Leases over all plans, current and retired. */
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly registries: PlanRegistries) {}

  get current(): RuntimePlan | undefined {
    return this.plan;
  }

  /** Installs `next`; the previous plan is disposed once no request holds it. */
  swap(next: RuntimePlan): void {
    const previous = this.plan;
    this.plan = next;
    if (previous) this.retire(previous);
  }

  /** Retires the current plan (shutdown). */
  clear(): void {
    const previous = this.plan;
    this.plan = undefined;
    if (previous) this.retire(previous);
  }

  acquire(plan: RuntimePlan): void {
    plan.lease.active++;
    this.active++;
  }

  release(plan: RuntimePlan): void {
    if (--plan.lease.active === 0 && plan.lease.retired) this.dispose(plan);
    if (--this.active === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves once no request holds a plan (at once when none does). */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private retire(plan: RuntimePlan): void {
    plan.lease.retired = true;
    if (plan.lease.active === 0) this.dispose(plan);
  }

  private dispose(plan: RuntimePlan): void {
    for (const key of plan.poolKeys) this.registries.pools.release(key);
    for (const key of plan.verifierKeys) this.registries.verifiers.release(key);
  }
}
