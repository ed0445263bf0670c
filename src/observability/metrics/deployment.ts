/**
 * Metric children bound to one deployment (created at compile time): the hot path bumps
 * plain cells and never hashes a label object. Part of metrics.ts, which re-exports it.
 */
import type { CounterCell, HistogramCell } from '../fast-metrics.js';
import type { GatehouseMetrics } from '../metrics.js';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

/** Metric children bound to one deployment label, created at compile time. */
export class DeploymentMetrics {
  readonly duration: HistogramCell;
  readonly upstream: HistogramCell;
  private readonly counters = new Map<string, CounterCell[]>();

  constructor(
    private readonly metrics: GatehouseMetrics,
    readonly deploymentId: string,
  ) {
    this.duration = metrics.requestDuration.labels(deploymentId);
    this.upstream = metrics.upstreamDuration.labels(deploymentId);
  }

  countRequest(method: string, status: number): void {
    // Cells indexed by method, then status class (1xx..5xx, other): no key string per request.
    let byClass = this.counters.get(method);
    if (!byClass) {
      const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
      byClass = STATUS_CLASSES.map((c) => this.metrics.requests.labels(this.deploymentId, m, c));
      if (m !== 'OTHER' || this.counters.size < 32) this.counters.set(method, byClass);
    }
    const index = status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : 5;
    (byClass[index] as CounterCell).inc();
  }

  upstreamFailure(reason: string): void {
    this.metrics.upstreamFailures.labels(this.deploymentId, reason).inc();
  }

  retry(): void {
    this.metrics.upstreamRetries.labels(this.deploymentId).inc();
  }
}
