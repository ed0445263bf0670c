/**
 * Change notifications over Redis with at-least-once delivery. Plain pub/sub loses
 * what is published while a subscriber reconnects, so each channel is a stream
 * (XADD in the same script as the data change) and pub/sub only wakes subscribers
 * up: on a wake-up, on every (re)connection of the subscriber connection (after it
 * has resubscribed) and every few seconds as a backstop, each subscription reads the
 * stream after the last id it delivered (XRANGE on the command connection). Stream
 * ids are ordered, so delivery is in publish order per channel.
 *
 * Where delivery cannot be sure, subscribers are told to re-read everything
 * (Subscription.resync): when a stream read fails (once per failure streak, so a
 * replica cut off from Redis notices within one backstop period), after the
 * subscriber connection is re-established (Redis may have restarted and lost
 * writes its subscribers had already seen), and when the entry at a reader's cursor is
 * gone (trimmed by MAXLEN before the reader caught up, e.g. while its wake-ups were
 * lost on a stalled subscriber connection, or lost by Redis). A resubscription that
 * fails is retried.
 */
import type { Logger } from '../observability/log.js';
import type { RedisLink } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';
import type { Subscription } from './subscription.js';

const BATCH = 100;
const RETRY_MS = 1000;

/** One subscription's reader of its channel's stream. */
class StreamReader {
  private running = false;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  /** A read failed and none has succeeded since: the subscriber was told to resync. */
  private broken = false;

  constructor(
    readonly subscription: Subscription,
    private readonly link: RedisLink,
    private readonly stream: string,
    private cursor: string,
    private readonly logger: Logger | undefined,
  ) {}

  /** Reads everything after the cursor; coalesces calls made while a read runs. */
  trigger(): void {
    if (!this.subscription.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.read();
  }

  stop(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
  }

  /**
   * The entry at the cursor is gone: the stream was trimmed past it (MAXLEN) before this
   * reader caught up, or Redis lost it (a restart or failover that lost writes). Entries
   * may have been missed: the subscriber re-reads what it keeps. When nothing at or after
   * the cursor is left, the stream went back (its new ids may be lower than the cursor,
   * e.g. a new master whose clock is behind): follow it from its current last entry.
   */
  private async missed(wentBack: boolean): Promise<void> {
    this.logger?.warn(
      { stream: this.stream, cursor: this.cursor },
      'store notifications were trimmed or lost before this replica read them; re-reading',
    );
    if (wentBack) {
      const last = await this.link.call('XREVRANGE', this.stream, '+', '-', 'COUNT', 1);
      this.cursor = lastId(last);
    }
    this.subscription.resync();
  }

  private async read(): Promise<void> {
    try {
      do {
        this.again = false;
        for (;;) {
          // From the cursor's own entry (inclusive): if it is gone, entries may have been missed.
          const entries = parseEntries(
            await this.link.call('XRANGE', this.stream, this.cursor, '+', 'COUNT', BATCH),
          );
          const read = entries.length;
          if (entries[0]?.[0] === this.cursor) entries.shift();
          else if (this.cursor !== '0-0') await this.missed(entries.length === 0);
          for (const [id, message] of entries) {
            this.cursor = id;
            this.subscription.push(message);
          }
          if (read < BATCH) break;
        }
      } while (this.again && this.subscription.active);
      this.broken = false;
    } catch (err) {
      if (!this.broken) {
        this.broken = true;
        this.logger?.warn(
          { err: { message: (err as Error).message } },
          'store notification read failed; retrying',
        );
        this.subscription.resync();
      }
      if (this.subscription.active && this.retry === undefined)
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.trigger();
        }, RETRY_MS).unref();
    } finally {
      this.running = false;
    }
  }
}

/** XREVRANGE … COUNT 1 reply → the stream's last id, '0-0' when empty. */
function lastId(reply: unknown): string {
  return Array.isArray(reply) && Array.isArray(reply[0]) ? String((reply[0] as unknown[])[0]) : '0-0';
}

/** XRANGE reply → [id, message] pairs. */
function parseEntries(reply: unknown): [string, string][] {
  if (!Array.isArray(reply)) return [];
  const out: [string, string][] = [];
  for (const entry of reply as unknown[]) {
    if (!Array.isArray(entry)) continue;
    const [id, fields] = entry as [unknown, unknown];
    if (typeof id !== 'string' || !Array.isArray(fields)) continue;
    const index = (fields as unknown[]).indexOf('m');
    const message: unknown = index >= 0 ? (fields as unknown[])[index + 1] : undefined;
    if (typeof message === 'string') out.push([id, message]);
  }
  return out;
}

export class RedisChangeFeed {
  /** Pub/sub channel (= stream key) → its readers. */
  private readonly readers = new Map<string, Set<StreamReader>>();
  /** Pub/sub channel → its SUBSCRIBE, shared by concurrent attaches. */
  private readonly subscribed = new Map<string, Promise<void>>();
  private listening = false;
  /** Times the subscriber connection became ready: every one after the first is a reconnection. */
  private readies = 0;
  private resubscribeRetry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backstop: NodeJS.Timeout;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
    private readonly logger: Logger | undefined,
    backstopMs = 5000,
  ) {
    this.backstop = setInterval(() => this.triggerAll(), backstopMs).unref();
  }

  async attach(subscription: Subscription): Promise<() => Promise<void>> {
    const stream = this.keys.stream(subscription.channel);
    const sub = this.link.subscriber();
    if (!this.listening) {
      this.listening = true;
      sub.onMessage((channel) => this.readers.get(channel)?.forEach((r) => r.trigger()));
      sub.onReady(() => {
        this.readies += 1;
        void this.resubscribe(this.readies > 1);
      });
    }
    const cursor = lastId(await this.link.call('XREVRANGE', stream, '+', '-', 'COUNT', 1));
    const reader = new StreamReader(subscription, this.link, stream, cursor, this.logger);
    let set = this.readers.get(stream);
    if (set === undefined) {
      set = new Set();
      this.readers.set(stream, set);
    }
    set.add(reader);
    let subscribed = this.subscribed.get(stream);
    if (subscribed === undefined) {
      subscribed = sub.subscribe(stream);
      this.subscribed.set(stream, subscribed);
    }
    try {
      await subscribed;
    } catch (err) {
      set.delete(reader);
      if (this.subscribed.get(stream) === subscribed) this.subscribed.delete(stream);
      throw err;
    }
    // Anything published between reading the cursor and the subscription taking effect.
    reader.trigger();
    return async () => {
      reader.stop();
      const current = this.readers.get(stream);
      current?.delete(reader);
      if (current?.size === 0) {
        this.readers.delete(stream);
        this.subscribed.delete(stream);
        await sub.unsubscribe(stream);
      }
    };
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.backstop);
    if (this.resubscribeRetry !== undefined) clearTimeout(this.resubscribeRetry);
    for (const set of this.readers.values())
      for (const reader of set) {
        reader.stop();
        reader.subscription.stop();
      }
    this.readers.clear();
    this.subscribed.clear();
  }

  private triggerAll(): void {
    for (const set of this.readers.values()) for (const reader of set) reader.trigger();
  }

  /**
   * After a (re)connection: subscribe again (retried until it works: a subscription must
   * not be silently gone), catch up on what was missed, and after a reconnection tell
   * every subscriber to re-read what it keeps.
   */
  private async resubscribe(reconnected: boolean): Promise<void> {
    if (this.resubscribeRetry !== undefined) clearTimeout(this.resubscribeRetry);
    this.resubscribeRetry = undefined;
    if (reconnected)
      for (const set of this.readers.values()) for (const reader of set) reader.subscription.resync();
    const sub = this.link.subscriber();
    try {
      for (const stream of this.readers.keys()) await sub.subscribe(stream);
    } catch (err) {
      this.logger?.warn({ err: { message: (err as Error).message } }, 'store resubscribe failed; retrying');
      if (!this.stopped)
        this.resubscribeRetry = setTimeout(() => void this.resubscribe(false), RETRY_MS).unref();
    }
    this.triggerAll();
  }
}
