/**
 * What every backend shares, floor by floor: base-core.ts (closed state, error mapping,
 * failure metric), base-documents.ts (documents, counters, paging), base-audit.ts (the
 * audit log), and here notifications (publish, subscribe). A backend extends BaseStore
 * and implements the protected primitives and nothing else.
 */
import { AuditStore } from './base-audit.js';
import type { Notifications } from './base-core.js';
import { Subscription } from './subscription.js';
import type * as T from './types.js';
import { checkChannel, checkMessage } from './validate.js';

export type { Notifications, StoreContext } from './base-core.js';
export type { IdRange } from './lex.js';

export abstract class BaseStore extends AuditStore implements T.Store {
  protected abstract publishAll(notify: Notifications): Promise<void>;
  /** Starts delivering to `subscription`; answers how to stop. */
  protected abstract attach(subscription: Subscription): Promise<() => Promise<void>>;
  publish(channel: string, message: string): Promise<void> {
    return this.run('publish', () => {
      checkChannel(channel);
      checkMessage(message);
      return this.publishAll([{ channel, message }]);
    });
  }

  subscribe(
    channel: string,
    handler: T.NotificationHandler,
    options: T.SubscribeOptions = {},
  ): Promise<T.Unsubscribe> {
    return this.run('subscribe', async () => {
      checkChannel(channel);
      const subscription = new Subscription(channel, handler, this.ctx.logger, options.onResync);
      const detach = await this.attach(subscription);
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        subscription.stop();
        if (!this.isClosed) await detach();
      };
    });
  }
}
