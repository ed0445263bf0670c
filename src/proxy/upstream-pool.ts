import type { Clock } from '../clock.js';
import type { NodeClient } from './forwarder.js';

export interface PassiveHealthPolicy {
  readonly enabled: boolean;
  readonly consecutiveFailures: number;
  readonly ejectMs: number;
}

/** One API node of an infrastructure, with its live health and load. */
export class UpstreamNode {
  inFlight = 0;
  /** Set by active health checks; nodes start healthy until a check says otherwise. */
  activeHealthy = true;
  private consecutiveFailures = 0;
  private ejectedUntil = 0;
  /** Smooth weighted round-robin state. */
  currentWeight = 0;

  constructor(
    readonly url: string,
    readonly weight: number,
    readonly client: NodeClient,
    private readonly passive: PassiveHealthPolicy,
  ) {}

  isAvailable(now: number): boolean {
    return this.activeHealthy && this.ejectedUntil <= now;
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  /** A connection to the node failed (refused, reset before answer, connect timeout). */
  recordConnectionFailure(now: number): boolean {
    if (!this.passive.enabled) return false;
    this.consecutiveFailures++;
    if (this.consecutiveFailures < this.passive.consecutiveFailures) return false;
    this.consecutiveFailures = 0;
    this.ejectedUntil = now + this.passive.ejectMs;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
  }
}

export type BalancingStrategy = 'round-robin' | 'least-connections';

/** The nodes of one infrastructure and how requests are spread over them. */
export class UpstreamPool {
  constructor(
    readonly infrastructureId: string,
    readonly nodes: readonly UpstreamNode[],
    readonly strategy: BalancingStrategy,
    private readonly clock: Clock,
  ) {}

  /** A node to send the next request to, never `exclude`; undefined when none is available. */
  pick(exclude?: UpstreamNode): UpstreamNode | undefined {
    const now = this.clock.now();
    return this.strategy === 'round-robin'
      ? this.pickWeighted(now, exclude)
      : this.pickLeastLoaded(now, exclude);
  }

  /** Smooth weighted round-robin (as nginx): even spread, no bursts, O(nodes). */
  private pickWeighted(now: number, exclude: UpstreamNode | undefined): UpstreamNode | undefined {
    let best: UpstreamNode | undefined;
    let total = 0;
    for (const node of this.nodes) {
      if (node === exclude || !node.isAvailable(now)) continue;
      node.currentWeight += node.weight;
      total += node.weight;
      if (!best || node.currentWeight > best.currentWeight) best = node;
    }
    if (best) best.currentWeight -= total;
    return best;
  }

  /**
   * Fewest in-flight requests relative to weight; ties go smooth weighted round-robin
   * among the tied nodes only (as nginx least_conn), so a node skipped while busy
   * builds up no credit and gets no burst once it is free again.
   */
  private pickLeastLoaded(now: number, exclude: UpstreamNode | undefined): UpstreamNode | undefined {
    let leastLoad = Infinity;
    for (const node of this.nodes) {
      if (node === exclude || !node.isAvailable(now)) continue;
      const load = node.inFlight / node.weight;
      if (load < leastLoad) leastLoad = load;
    }
    let best: UpstreamNode | undefined;
    let total = 0;
    for (const node of this.nodes) {
      if (node === exclude || !node.isAvailable(now) || node.inFlight / node.weight !== leastLoad) continue;
      node.currentWeight += node.weight;
      total += node.weight;
      if (!best || node.currentWeight > best.currentWeight) best = node;
    }
    if (best) best.currentWeight -= total;
    return best;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.client.close()));
  }
}
