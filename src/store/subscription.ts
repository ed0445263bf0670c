/**
 * One subscriber's delivery queue: messages (and "resync" signals, see SubscribeOptions)
 * reach the handler one at a time, in the order they were pushed, never synchronously
 * inside the push, and a throwing handler does not stop the ones after it.
 */
import type { Logger } from '../observability/log.js';
import type { NotificationHandler } from './types.js';

const RESYNC = Symbol('resync');
type Item = string | typeof RESYNC;

export class Subscription {
  private readonly queue: Item[] = [];
  private draining = false;
  private stopped = false;

  constructor(
    readonly channel: string,
    private readonly handler: NotificationHandler,
    private readonly logger: Logger | undefined,
    private readonly onResync?: () => void | Promise<void>,
  ) {}

  get active(): boolean {
    return !this.stopped;
  }

  push(message: string): void {
    this.enqueue(message);
  }

  /** Messages may have been missed: the subscriber should re-read what it keeps. Coalesced. */
  resync(): void {
    if (this.onResync === undefined || this.queue.at(-1) === RESYNC) return;
    this.enqueue(RESYNC);
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private enqueue(item: Item): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const item = this.queue.shift();
      if (item === undefined) break;
      try {
        if (item === RESYNC) await this.onResync?.();
        else await this.handler(item);
      } catch (err) {
        this.logger?.warn({ err, channel: this.channel }, 'store notification handler failed');
      }
    }
    this.draining = false;
  }
}
