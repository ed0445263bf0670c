/**
 * /metrics with several workers. The admin listener is shared by every worker (the
 * cluster spreads connections over them), so whichever worker gets the scrape asks the
 * primary over IPC; the primary gathers every ready worker's registry (gather-metrics.ts,
 * prom-client's AggregatorRegistry: counters and histograms summed, some gauges
 * averaged), adds its own (worker restarts) and answers. A single process answers from its own registry.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

export const METRICS_REQUEST = 'gatehouse:metrics-request';
export const METRICS_RESPONSE = 'gatehouse:metrics-response';
/** A worker tells the primary its registry can be asked (prom-client's listener is set). */
export const METRICS_READY = 'gatehouse:metrics-ready';
const TIMEOUT_MS = 10_000;

export interface MetricsRequest {
  readonly type: typeof METRICS_REQUEST;
  readonly id: string;
}

export interface MetricsResponse {
  readonly type: typeof METRICS_RESPONSE;
  readonly id: string;
  readonly text?: string;
  readonly error?: string;
}

export function isMessage<T extends { type: string }>(value: unknown, type: T['type']): value is T {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}

/** The text a scrape answers; in a worker, the whole cluster's. Call once, at start. */
export function metricsExposition(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker || !process.send) return () => registry.metrics();
  // Answers the primary's requests for this worker's metrics (prom-client's IPC protocol).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  process.send({ type: METRICS_READY });
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        process.off('message', onMessage);
        reject(new Error('the cluster primary did not answer with the metrics'));
      }, TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (!isMessage<MetricsResponse>(message, METRICS_RESPONSE) || message.id !== id) return;
        clearTimeout(timer);
        process.off('message', onMessage);
        if (message.text === undefined) reject(new Error(message.error ?? 'no metrics'));
        else resolve(message.text);
      };
      process.on('message', onMessage);
      const request: MetricsRequest = { type: METRICS_REQUEST, id };
      process.send?.(request);
    });
}
