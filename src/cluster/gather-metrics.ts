/**
 * The primary's side of /metrics over several workers: asks every worker that has said
 * its registry is ready (a worker still starting has none) with prom-client's own IPC
 * request, and sums the answers with AggregatorRegistry.aggregate. A worker that exits
 * meanwhile is simply left out. (prom-client's clusterMetrics() asks every connected
 * worker, so one still starting makes the whole scrape time out.)
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** prom-client's message types (lib/cluster.js): its worker-side listener answers these. */
const REQUEST = 'prom-client:getMetricsReq';
const RESPONSE = 'prom-client:getMetricsRes';
const TIMEOUT_MS = 5000;

type RegistryJson = MetricObjectWithValues<MetricValue<string>>[];

interface Gathering {
  readonly waiting: Set<number>;
  readonly answers: RegistryJson[];
  readonly done: (error?: Error) => void;
}

export class MetricsGatherer {
  private readonly ready = new Map<number, Worker>();
  private readonly gatherings = new Map<number, Gathering>();
  private seq = 0;

  markReady(worker: Worker): void {
    this.ready.set(worker.id, worker);
  }

  forget(worker: Worker): void {
    this.ready.delete(worker.id);
    for (const g of this.gatherings.values())
      if (g.waiting.delete(worker.id) && g.waiting.size === 0) g.done();
  }

  /** A worker's message: true when it was an answer to a gathering. */
  onMessage(worker: Worker, message: unknown): boolean {
    const m = message as { type?: unknown; requestId?: unknown; metrics?: unknown; error?: unknown };
    if (typeof m !== 'object' || m === null || m.type !== RESPONSE || typeof m.requestId !== 'number')
      return false;
    const g = this.gatherings.get(m.requestId);
    if (!g || !g.waiting.delete(worker.id)) return true;
    if (typeof m.error === 'string') g.done(new Error(m.error));
    else if (Array.isArray(m.metrics)) g.answers.push(...(m.metrics as RegistryJson[]));
    if (g.waiting.size === 0) g.done();
    return true;
  }

  /** The sum over the ready workers, in the Prometheus text format. */
  gather(): Promise<string> {
    const requestId = ++this.seq;
    const workers = [...this.ready.values()].filter((w) => w.isConnected());
    return new Promise((resolve, reject) => {
      const answers: RegistryJson[] = [];
      const timer = setTimeout(
        () => finish(new Error('workers did not answer with their metrics')),
        TIMEOUT_MS,
      );
      const finish = (error?: Error): void => {
        if (!this.gatherings.delete(requestId)) return;
        clearTimeout(timer);
        if (error) reject(error);
        else AggregatorRegistry.aggregate(answers).metrics().then(resolve, reject);
      };
      this.gatherings.set(requestId, { waiting: new Set(workers.map((w) => w.id)), answers, done: finish });
      if (workers.length === 0) finish();
      for (const w of workers) w.send({ type: REQUEST, requestId });
    });
  }
}
