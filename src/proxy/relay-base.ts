/**
 * What the HTTP relay and the upgrade relay share as undici dispatch handlers of the raw
 * kind: the abort handle undici gives once the request is on a connection (a cancel
 * before that is remembered and applied then), the "sent" and "started" facts that
 * decide whether a failure may be retried on another node, and the relaying of a body
 * into the client side (`sink`) with backpressure. Subclasses write the response head.
 */
import type { Writable } from 'node:stream';
import { classifyFailure } from './forward-failure.js';
import type { ForwardHandle, RelayEvents } from './relay.js';

export abstract class RelayBase implements ForwardHandle {
  protected abortUpstream: ((err?: Error) => void) | undefined;
  private pendingCancel: Error | undefined;
  protected resumeUpstream: (() => void) | undefined;
  /** The client has a status line. */
  protected started = false;
  /** undici handed the request to a connection: from here on, bytes of it may be on the wire. */
  private sent = false;
  protected finished = false;
  /** Created on first backpressure only: most responses never need it. */
  private onDrain: (() => void) | undefined;

  constructor(
    /** Where the upstream's body goes: the ServerResponse, or the client socket of an upgrade. */
    private readonly sink: Writable,
    protected readonly requestId: string,
    protected readonly events: RelayEvents,
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

  onData(chunk: Buffer): boolean {
    if (this.sink.write(chunk)) return true;
    this.onDrain ??= () => this.resumeUpstream?.();
    this.sink.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.finished = true;
    this.sink.end();
    this.events.onComplete();
  }

  onError(err: Error): void {
    this.finished = true;
    this.events.onFailure(classifyFailure(err, this.started, this.sent), this.started);
  }
}
