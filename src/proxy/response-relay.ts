/**
 * Relays one upstream HTTP exchange into the client's ServerResponse with backpressure,
 * so no body is ever buffered. It is an undici dispatch handler of the raw
 * (onConnect/onHeaders/onData) kind: undici calls it without an adapter and hands over
 * the raw header buffers, which the proxy needs anyway to filter hop-by-hop headers.
 */
import type { ServerResponse } from 'node:http';
import { classifyFailure } from './forward-failure.js';
import { InvalidUpstreamResponseError, type ForwardHandle, type RelayEvents } from './relay.js';
import { buildClientResponseHeaders } from './request-headers.js';

export class ResponseRelay implements ForwardHandle {
  private abortUpstream: ((err?: Error) => void) | undefined;
  private pendingCancel: Error | undefined;
  private resumeUpstream: (() => void) | undefined;
  private started = false;
  /** undici handed the request to a connection: from here on, bytes of it may be on the wire. */
  private sent = false;
  private finished = false;
  /** Created on first backpressure only: most responses never need it. */
  private onDrain: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly requestId: string,
    private readonly events: RelayEvents,
  ) {}

  cancel(reason: Error): void {
    if (this.finished) return;
    if (this.abortUpstream) this.abortUpstream(reason);
    else this.pendingCancel = reason;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.sent = true;
    this.abortUpstream = abort;
    if (this.pendingCancel) abort(this.pendingCancel);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx informational: not relayed
    try {
      this.res.writeHead(status, buildClientResponseHeaders(rawHeaders, this.requestId));
    } catch {
      // A header Node refuses to write: answer 502 instead of relaying a broken head.
      this.res.removeHeader('content-length');
      this.abortUpstream?.(new InvalidUpstreamResponseError());
      return false;
    }
    this.started = true;
    this.resumeUpstream = resume;
    this.events.onResponseStart(status);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.onDrain ??= () => this.resumeUpstream?.();
    this.res.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.finished = true;
    this.res.end();
    this.events.onComplete();
  }

  onError(err: Error): void {
    this.finished = true;
    this.events.onFailure(classifyFailure(err, this.started, this.sent), this.started);
  }
}
