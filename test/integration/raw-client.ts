/**
 * A raw TCP client for exchanges Node's HTTP client cannot drive step by step: write a
 * request head, wait for `100 Continue` or a final answer, then (maybe) send the body
 * slowly. Waiting is event-driven: every wait resolves on received bytes or on close.
 */
import { connect, type Socket } from 'node:net';

export class RawClient {
  /** Everything received so far, as latin1 text. */
  received = '';
  closed = false;
  private readonly socket: Socket;
  private readonly waiters = new Set<() => void>();
  readonly connected: Promise<void>;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.socket = connect(Number(url.port), url.hostname);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      this.notify();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static async open(baseUrl: string): Promise<RawClient> {
    const client = new RawClient(baseUrl);
    await client.connected;
    return client;
  }

  write(text: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Resolves once `condition` holds for what was received; rejects when the connection
   * closes first, or after `timeoutMs`, which only turns a hang into a readable failure.
   */
  waitFor(condition: (received: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (condition(this.received)) {
          resolve(this.received);
          return true;
        }
        if (this.closed) {
          reject(
            new Error(
              `connection closed before ${what}; received ${JSON.stringify(this.received.slice(0, 300))}`,
            ),
          );
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.slice(0, 300))}`),
        );
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
        }
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves when the peer has closed the connection. */
  waitForClose(timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve(this.received);
      const timer = setTimeout(
        () => reject(new Error('timed out waiting for the connection to close')),
        timeoutMs,
      );
      const waiter = (): void => {
        if (!this.closed) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(this.received);
      };
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** True when `text` holds a complete first response: its head, and its body when it has a Content-Length. */
export function completeResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length ? text.length >= end + 4 + Number(length[1]) : true;
}
