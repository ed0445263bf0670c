/**
 * The cluster primary of `server.workers > 1`: it serves nothing itself. It forks the
 * workers (each runs the whole gateway and listens on the same ports: node:cluster hands
 * connections to them in turn), relays SIGHUP to every worker (each reloads its plan;
 * each also watches the file when `reload.watch` is on), answers workers' /metrics
 * requests with the sum over all of them, restarts a worker that dies (log line and
 * `gatehouse_worker_restarts_total`), and on SIGTERM/SIGINT has every worker drain and
 * exits once all have. Control-plane changes and revocations reach every worker
 * through the store's notifications (SQLite polls its change table across processes,
 * Redis publishes), which is why the memory store is refused.
 */
import cluster, { type Worker } from 'node:cluster';
import { createLogger, type Logger } from '../observability/log.js';
import { createPrimaryMetrics, type PrimaryMetrics } from '../observability/metrics.js';
import { MetricsGatherer } from './gather-metrics.js';
import {
  isMessage,
  METRICS_READY,
  METRICS_REQUEST,
  METRICS_RESPONSE,
  type MetricsRequest,
} from './metrics-exposition.js';

/** A worker that dies sooner than this after its start is restarted only after this delay. */
const RESTART_BACKOFF_MS = 1000;

export interface PrimaryOptions {
  readonly workers: number;
  readonly logLevel?: string;
}

class Primary {
  private readonly logger: Logger;
  private readonly metrics: PrimaryMetrics = createPrimaryMetrics();
  private readonly gatherer = new MetricsGatherer();
  private readonly startedAt = new Map<number, number>();
  private stopping = false;

  constructor(private readonly options: PrimaryOptions) {
    this.logger = createLogger(options.logLevel ?? 'info').child({ role: 'primary' });
  }

  run(): Promise<void> {
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    cluster.on('message', (worker, message: unknown) => {
      if (this.gatherer.onMessage(worker, message)) return;
      if (isMessage<MetricsRequest>(message, METRICS_REQUEST)) void this.answerMetrics(worker, message.id);
      else if (isMessage(message, METRICS_READY)) this.gatherer.markReady(worker);
    });
    for (let i = 0; i < this.options.workers; i++) this.fork();
    this.logger.info({ workers: this.options.workers, pid: process.pid }, 'cluster primary started');
    return new Promise((resolve) => {
      const onHup = (): void => {
        this.logger.info('SIGHUP: relayed to every worker');
        for (const worker of this.workers()) worker.process.kill('SIGHUP');
      };
      const onStop = (signal: NodeJS.Signals): void => {
        if (this.stopping) {
          this.logger.warn({ signal }, 'second signal: stopping the workers at once');
          for (const worker of this.workers()) worker.process.kill('SIGKILL');
          return;
        }
        this.stopping = true;
        this.logger.info({ signal }, 'signal received: every worker drains');
        for (const worker of this.workers()) worker.process.kill('SIGTERM');
        this.whenAllExited(() => {
          process.off('SIGHUP', onHup);
          this.logger.info('every worker has stopped');
          this.logger.flush();
          resolve();
        });
      };
      process.on('SIGHUP', onHup);
      process.on('SIGTERM', onStop);
      process.on('SIGINT', onStop);
    });
  }

  /** Workers not known to have exited. */
  private workers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined && this.startedAt.has(w.id),
    );
  }

  private fork(): void {
    const worker = cluster.fork();
    this.startedAt.set(worker.id, Date.now());
    this.metrics.workers.set(this.startedAt.size);
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const startedAt = this.startedAt.get(worker.id) ?? 0;
    this.startedAt.delete(worker.id);
    this.gatherer.forget(worker);
    this.metrics.workers.set(this.startedAt.size);
    if (this.stopping) return;
    this.metrics.workerRestarts.inc();
    const early = Date.now() - startedAt < RESTART_BACKOFF_MS;
    this.logger.error(
      {
        worker: worker.id,
        pid: worker.process.pid,
        code,
        signal,
        restartInMs: early ? RESTART_BACKOFF_MS : 0,
      },
      'worker exited unexpectedly: starting a new one',
    );
    if (early) setTimeout(() => this.stopping || this.fork(), RESTART_BACKOFF_MS);
    else this.fork();
  }

  private whenAllExited(done: () => void): void {
    if (this.startedAt.size === 0) return done();
    cluster.once('exit', () => this.whenAllExited(done));
  }

  private async answerMetrics(worker: Worker, id: string): Promise<void> {
    try {
      const workers = await this.gatherer.gather();
      const own = await this.metrics.registry.metrics();
      worker.send({ type: METRICS_RESPONSE, id, text: `${workers}\n${own}` });
    } catch (err) {
      worker.send({ type: METRICS_RESPONSE, id, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** Runs the primary until every worker has stopped after SIGTERM/SIGINT. */
export function runPrimary(options: PrimaryOptions): Promise<void> {
  return new Primary(options).run();
}
