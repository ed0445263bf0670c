/**
 * Keeps one in-memory copy of store data current (the control-plane snapshot, the
 * personal-token index, revoked sessions): a full re-read that runs when asked,
 * coalesces requests made while it runs, and retries with capped exponential backoff
 * until it succeeds, so a read that fails (a dropped connection, a Redis restart) is
 * never the end of a change. Requests are numbered: `wait(ticket)` resolves with the
 * first read that *started* after the ticket was issued, which is what read-your-writes
 * needs (a read already running when a write commits may have missed it).
 *
 * While reads fail, the copy is stale: `staleForMs()` counts from the oldest request
 * not yet satisfied, and is exported as `gatehouse_state_stale_seconds{state}`.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { StoreClosedError, StoreUnavailableError } from './errors.js';

export interface ResyncOptions<T> {
  /** Label of the metrics and log lines: `control`, `personal_tokens`, `revoked_sessions`, `revoked_jtis`. */
  readonly name: string;
  /** One full re-read that also applies what it read; rejects when the store cannot answer. */
  readonly read: () => Promise<T>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: GatehouseMetrics | undefined;
  /** First retry delay; doubles up to `maxDelayMs` (each with ±20 % jitter). */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

interface Waiter<T> {
  readonly ticket: number;
  resolve(value: T): void;
  reject(err: Error): void;
}

const MIN_DELAY_MS = 100;
const MAX_DELAY_MS = 5000;
/** A waiter whose reads are slow but not failing waits at most this many timeouts. */
const MAX_WAIT_FACTOR = 10;

export class ResyncLoop<T> {
  private requested = 0;
  private completed = 0;
  private last: { value: T } | undefined;
  private running = false;
  /** Requests only accumulate until first() has succeeded. */
  private started = false;
  private closed = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Clock time of the oldest request not yet satisfied. */
  private pendingSince: number | undefined;
  private readonly waiters = new Set<Waiter<T>>();
  private readonly untrack: (() => void) | undefined;

  constructor(private readonly options: ResyncOptions<T>) {
    this.untrack = options.metrics?.trackStaleness(options.name, () => this.staleForMs() / 1000);
  }

  /**
   * The first read: runs at once and is not retried (a replica must not start without
   * its state: the caller fails and closes). Until it succeeds, requests (notifications
   * arriving meanwhile) only accumulate; they are served by a read right after it.
   */
  async first(): Promise<T> {
    if (this.started || this.running) throw new Error('first() runs once, before any other read');
    this.running = true;
    const target = this.requested;
    try {
      const value = await this.options.read();
      this.started = true;
      this.succeeded(target, value);
      return value;
    } finally {
      this.running = false;
      if (this.started && this.completed < this.requested) this.kick();
    }
  }

  /** Asks for a re-read; answers the ticket to `wait` for. A pending retry runs at once. */
  request(): number {
    this.requested += 1;
    this.pendingSince ??= this.options.clock.now();
    this.kick();
    return this.requested;
  }

  /**
   * The result of the first read that started after `ticket` was issued. Rejects with
   * StoreUnavailableError when reads have been failing at the end of `timeoutMs` (reads
   * go on in the background). Reads that are only slow (a busy machine, a large plan to
   * rebuild) are waited for, up to MAX_WAIT_FACTOR times `timeoutMs`.
   */
  wait(ticket: number, timeoutMs: number): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (this.completed >= ticket && this.last !== undefined) return Promise.resolve(this.last.value);
    return new Promise<T>((resolve, reject) => {
      let periods = 0;
      let timer: NodeJS.Timeout;
      const expire = (): void => {
        periods += 1;
        if (this.failures === 0 && periods < MAX_WAIT_FACTOR) {
          timer = setTimeout(expire, timeoutMs);
          return;
        }
        this.waiters.delete(waiter);
        reject(
          new StoreUnavailableError(
            `the ${this.options.name} state could not be re-read within ${periods * timeoutMs} ms`,
          ),
        );
      };
      timer = setTimeout(expire, timeoutMs);
      const waiter: Waiter<T> = {
        ticket,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** request() then wait(). */
  readAfterNow(timeoutMs: number): Promise<T> {
    return this.wait(this.request(), timeoutMs);
  }

  /** How long the copy has been out of date because reads fail; 0 when current. */
  staleForMs(): number {
    if (this.failures === 0 || this.pendingSince === undefined) return 0;
    return Math.max(0, this.options.clock.now() - this.pendingSince);
  }

  close(): void {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.untrack?.();
    for (const waiter of this.waiters) waiter.reject(new StoreClosedError());
    this.waiters.clear();
  }

  private kick(): void {
    if (this.running || this.closed || !this.started) return;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      while (!this.closed && this.completed < this.requested) {
        const target = this.requested;
        let value: T;
        try {
          value = await this.options.read();
        } catch (err) {
          if (!this.closed) this.failed(err);
          return;
        }
        this.succeeded(target, value);
      }
    } finally {
      this.running = false;
    }
  }

  private succeeded(target: number, value: T): void {
    this.options.metrics?.stateReads.labels(this.options.name, 'success').inc();
    if (this.failures > 0)
      this.options.logger.info(
        { state: this.options.name, failedReads: this.failures },
        'state re-read after failures; this replica is current again',
      );
    this.failures = 0;
    this.completed = Math.max(this.completed, target);
    this.last = { value };
    this.pendingSince = this.completed < this.requested ? this.options.clock.now() : undefined;
    for (const waiter of this.waiters)
      if (waiter.ticket <= this.completed) {
        this.waiters.delete(waiter);
        waiter.resolve(value);
      }
  }

  private failed(err: unknown): void {
    this.failures += 1;
    this.options.metrics?.stateReads.labels(this.options.name, 'failure').inc();
    const log = { state: this.options.name, attempt: this.failures, err: { message: errorMessage(err) } };
    if (this.failures === 1) this.options.logger.error(log, 'state could not be re-read; retrying');
    else this.options.logger.debug(log, 'state could not be re-read; retrying');
    const min = this.options.minDelayMs ?? MIN_DELAY_MS;
    const max = this.options.maxDelayMs ?? MAX_DELAY_MS;
    const base = Math.min(max, min * 2 ** Math.min(this.failures - 1, 16));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.kick();
    }, delay).unref();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
