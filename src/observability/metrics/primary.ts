/** The metrics of a cluster primary (server.workers > 1); /metrics shows them beside the workers' sum. */
import { Counter, Gauge, Registry } from 'prom-client';

export interface PrimaryMetrics {
  readonly registry: Registry;
  readonly workerRestarts: Counter;
  readonly workers: Gauge;
}

export function createPrimaryMetrics(): PrimaryMetrics {
  const registry = new Registry();
  return {
    registry,
    workerRestarts: new Counter({
      name: 'gatehouse_worker_restarts_total',
      help: 'Worker processes that exited unexpectedly and were started again (server.workers > 1).',
      registers: [registry],
    }),
    workers: new Gauge({
      name: 'gatehouse_workers',
      help: 'Worker processes running (server.workers > 1).',
      registers: [registry],
    }),
  };
}
