import type { Authenticator } from '../auth/authenticator.js';
import type { Gate } from '../auth/types.js';
import type { DeploymentMetrics } from '../observability/metrics.js';
import type { DeploymentTraffic } from '../policy/deployment-traffic.js';
import type { ProxyTrust } from '../proxy/forwarded.js';
import type { UpstreamHeaderPolicy } from '../proxy/request-headers.js';
import type { UpstreamPool } from '../proxy/upstream-pool.js';
import type { MethodPolicy } from '../routing/allowed-methods.js';
import type { Router } from '../routing/router.js';
import type { GatehouseConfig } from './schema.js';

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
  readonly stripPrefix: boolean;
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
  readonly config: GatehouseConfig;
  readonly router: Router<CompiledDeployment>;
  readonly deployments: ReadonlyMap<string, CompiledDeployment>;
  readonly proxyTrust: ProxyTrust;
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

/**
 * Holds the running plan. A swap is one assignment; a request keeps the plan it
 * started with (lease), and a retired plan is disposed when its last request ends.
 */
export class PlanHolder {
  private plan: RuntimePlan | undefined;

  constructor(private readonly dispose: (plan: RuntimePlan) => void) {}

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
  }

  release(plan: RuntimePlan): void {
    if (--plan.lease.active === 0 && plan.lease.retired) this.dispose(plan);
  }

  private retire(plan: RuntimePlan): void {
    plan.lease.retired = true;
    if (plan.lease.active === 0) this.dispose(plan);
  }
}
