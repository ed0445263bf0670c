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

/** `gatehouse_upstream_node_healthy`, read from the pools' health sources at scrape time. */
export function nodeHealthGauge(
  registry: Registry,
  sources: () => readonly NodeHealthSource[],
): Gauge<'infrastructure' | 'node'> {
  return new Gauge({
    name: 'gatehouse_upstream_node_healthy',
    help: 'Whether an upstream node receives traffic (1) or is down or ejected (0).',
    labelNames: ['infrastructure', 'node'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const source of sources())
        for (const state of source.nodeStates())
          this.set({ infrastructure: source.infrastructureId, node: state.url }, state.healthy ? 1 : 0);
    },
  });
}

/** `gatehouse_state_stale_seconds`, read at scrape time. */
export function staleStateGauge(
  registry: Registry,
  stale: () => readonly { state: string; seconds: number }[],
): Gauge<'state'> {
  return new Gauge({
    name: 'gatehouse_state_stale_seconds',
    help: 'How long store data this replica keeps in memory has been out of date because re-reading it fails, by state; 0 when current.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { state, seconds } of stale()) this.set({ state }, seconds);
    },
  });
}
