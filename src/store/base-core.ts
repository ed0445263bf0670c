/**
 * The ground floor every store backend shares: the closed state, error mapping and the
 * failure metric around every operation (`run`), close hooks and health. The floors
 * above add documents and counters (base-documents.ts), the audit log
 * (base-audit.ts) and notifications (base.ts, the class backends extend).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import { StoreClosedError, StoreError } from './errors.js';
import type * as T from './types.js';

export interface StoreContext {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: GatehouseMetrics;
}

export type Notifications = readonly T.Notification[];

/** `limit + 1` items read → a page of `limit` with a cursor when more follow. */
export function toPage<I extends { readonly id: string }>(items: I[], limit: number): T.Page<I> {
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  return { items: page, next: page[page.length - 1]?.id ?? '' };
}

export abstract class StoreCore {
  abstract readonly backend: T.Store['backend'];
  private closed = false;
  private readonly closeHooks: (() => void)[] = [];

  constructor(protected readonly ctx: StoreContext) {}

  protected abstract ping(): Promise<void>;
  protected abstract shutdown(): Promise<void>;
  /** Turns a backend error into a StoreError (StoreUnavailableError when the backend failed). */
  protected abstract mapError(err: unknown): StoreError;

  protected get isClosed(): boolean {
    return this.closed;
  }

  protected async run<R>(operation: string, fn: () => Promise<R>): Promise<R> {
    if (this.closed) throw new StoreClosedError();
    try {
      return await fn();
    } catch (err) {
      const mapped = err instanceof StoreError ? err : this.mapError(err);
      if (mapped.code === 'unavailable' || mapped.code === 'backend')
        this.ctx.metrics?.storeErrors.labels(operation).inc();
      throw mapped;
    }
  }

  protected now(): number {
    return this.ctx.clock.now();
  }

  health(): Promise<void> {
    return this.run('health', () => this.ping());
  }

  /** Runs `hook` when the store closes (timers owned by whoever built the store). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const hook of this.closeHooks.splice(0)) hook();
    await this.shutdown();
  }
}
