import { probe, type ProbeResult } from './forwarder.js';
import type { UpstreamNode, UpstreamPool } from './upstream-pool.js';

export interface ActiveHealthPolicy {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly expectedStatus: readonly [number, number];
}

export type HealthChangeListener = (node: UpstreamNode, healthy: boolean, result: ProbeResult) => void;

interface NodeProbeState {
  successes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Probes every node of a pool on its own timer. A node goes down after
 * `unhealthyThreshold` consecutive failures and comes back after `healthyThreshold`
 * consecutive successes. The first probe runs at start.
 */
export class ActiveHealthChecker {
  private readonly states = new Map<UpstreamNode, NodeProbeState>();
  private stopped = true;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly policy: ActiveHealthPolicy,
    private readonly onChange: HealthChangeListener,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const node of this.pool.nodes) {
      const state: NodeProbeState = { successes: 0, failures: 0, timer: undefined };
      this.states.set(node, state);
      void this.check(node, state);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.states.values()) clearTimeout(state.timer);
    this.states.clear();
  }

  private isHealthy(result: ProbeResult): boolean {
    const [low, high] = this.policy.expectedStatus;
    return result.status !== undefined && result.status >= low && result.status <= high;
  }

  private async check(node: UpstreamNode, state: NodeProbeState): Promise<void> {
    const result = await probe(node.client, this.policy.path, this.policy.timeoutMs);
    if (this.stopped) return;
    if (this.isHealthy(result)) {
      state.successes++;
      state.failures = 0;
      if (!node.activeHealthy && state.successes >= this.policy.healthyThreshold) {
        node.activeHealthy = true;
        this.onChange(node, true, result);
      }
    } else {
      state.failures++;
      state.successes = 0;
      if (node.activeHealthy && state.failures >= this.policy.unhealthyThreshold) {
        node.activeHealthy = false;
        this.onChange(node, false, result);
      }
    }
    state.timer = setTimeout(() => void this.check(node, state), this.policy.intervalMs);
    state.timer.unref();
  }
}
