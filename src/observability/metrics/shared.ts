/** What metrics.ts and its per-deployment children share. */
import { Gauge, type Registry } from 'prom-client';

/** Histogram buckets (seconds) for request and upstream latency. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** A node's health as the metrics collector sees it. */
export interface NodeHealthSource {
  readonly infrastructureId: string;
  nodeStates(): Iterable<{ url: string; healthy: boolean }>;
}

/** A gauge that reads its value from `read` when /metrics is scraped. */
export function sampledGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
