/**
 * One subscriber's delivery queue: messages reach the handler one at a time, in the
 * order they were pushed, never synchronously inside the push, and a throwing
 * handler does not stop the ones after it.
 */
import type { Logger } from '../observability/log.js';
import type { NotificationHandler } from './types.js';

export class Subscription {
  private readonly queue: string[] = [];
  private draining = false;
  private stopped = false;

  constructor(
    readonly channel: string,
    private readonly handler: NotificationHandler,
    private readonly logger: Logger | undefined,
  ) {}

  get active(): boolean {
    return !this.stopped;
  }

  push(message: string): void {
    if (this.stopped) return;
    this.queue.push(message);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const message = this.queue.shift();
      if (message === undefined) break;
      try {
        await this.handler(message);
      } catch (err) {
        this.logger?.warn({ err, channel: this.channel }, 'store notification handler failed');
      }
    }
    this.draining = false;
  }
}
