/**
 * What the HTTP relay and the upgrade relay share as undici dispatch handlers of the raw
 * kind: the abort handle undici gives once the request is on a connection (a cancel
 * before that is remembered and applied then), the "sent" and "started" facts that
 * decide whether a failure may be retried on another node, the relaying of a body into
 * the client side (`sink`) with backpressure, and the upstream timeouts. Subclasses
 * write the response head.
 *
 * The timeouts are checked by the data plane's deadline sweep (deadline-sweep.ts), not by
 * undici, which is handed 0 (none) for both:
 * - `responseTimeoutMs` runs from the request being handed to a connection to the
 *   response head, restarted by every chunk of a request body still arriving and by
 *   every interim (1xx) answer;
 * - `idleTimeoutMs` runs between chunks of the response body, and not while the client
 *   is the slow side (backpressure), as undici's body timeout did.
 * Out of time, the exchange is aborted with the error codes undici used, so answers,
 * metrics and logs stay as they were: 504 `upstream_timeout` before the response head,
 * a cut connection after it.
 */
import type { Writable } from 'node:stream';
import type { DeadlineSweep, Timed } from './deadline-sweep.js';
import { classifyFailure } from './forward-failure.js';
import type { ForwardHandle, RelayEvents, UpstreamRequest } from './relay.js';

/** An upstream timeout; the codes are undici's, which logs and metrics already name. */
export class UpstreamTimeoutError extends Error {
  constructor(readonly code: 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT') {
    super(
      code === 'UND_ERR_HEADERS_TIMEOUT'
        ? 'the upstream did not answer in time (timeouts.responseMs)'
        : 'the upstream response body stalled (timeouts.idleMs)',
    );
  }
}

/** What the upstream timeouts measure at the moment. */
const NOT_SENT = 0;
const AWAITING_RESPONSE = 1;
const RECEIVING_BODY = 2;
/** The client side is full: the upstream is held back, not idle. */
const CLIENT_BACKPRESSURE = 3;
type Waiting =
  typeof NOT_SENT | typeof AWAITING_RESPONSE | typeof RECEIVING_BODY | typeof CLIENT_BACKPRESSURE;

export abstract class RelayBase implements ForwardHandle, Timed {
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
  private waiting: Waiting = NOT_SENT;
  /** performance.now() from which the current timeout runs. */
  private since = 0;
  sweepSlot = -1;

  constructor(
    /** Where the upstream's body goes: the ServerResponse, or the client socket of an upgrade. */
    private readonly sink: Writable,
    protected readonly request: UpstreamRequest,
    protected readonly events: RelayEvents,
    private readonly deadlines: DeadlineSweep,
  ) {}

  protected get requestId(): string {
    return this.request.requestId;
  }

  cancel(reason: Error): void {
    if (this.finished) return;
    if (this.abortUpstream) this.abortUpstream(reason);
    else this.pendingCancel = reason;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.sent = true;
    this.abortUpstream = abort;
    if (this.pendingCancel) {
      abort(this.pendingCancel);
      return;
    }
    this.waiting = AWAITING_RESPONSE;
    this.since = performance.now();
    this.deadlines.track(this);
  }

  onData(chunk: Buffer): boolean {
    this.since = performance.now();
    if (this.sink.write(chunk)) return true;
    this.waiting = CLIENT_BACKPRESSURE;
    this.onDrain ??= () => {
      this.receivingBody();
      this.resumeUpstream?.();
    };
    this.sink.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.settle();
    this.sink.end();
    this.events.onComplete();
  }

  onError(err: Error): void {
    this.settle();
    this.events.onFailure(classifyFailure(err, this.started, this.sent), this.started);
  }

  checkDeadline(now: number): boolean {
    if (this.finished) return true;
    const { request } = this;
    if (this.waiting === AWAITING_RESPONSE) {
      const lastChunkAt = request.bodyProgress?.lastChunkAt ?? 0;
      if (now - Math.max(this.since, lastChunkAt) < request.responseTimeoutMs) return false;
      this.abortUpstream?.(new UpstreamTimeoutError('UND_ERR_HEADERS_TIMEOUT'));
      return true;
    }
    if (this.waiting !== RECEIVING_BODY || now - this.since < request.idleTimeoutMs) return false;
    this.abortUpstream?.(new UpstreamTimeoutError('UND_ERR_BODY_TIMEOUT'));
    return true;
  }

  /** An interim (1xx) answer: the node is alive, so the response timeout starts again (as undici did). */
  protected interimResponse(): void {
    this.since = performance.now();
  }

  /** The response head is in: from now on the idle timeout applies. */
  protected receivingBody(): void {
    this.waiting = RECEIVING_BODY;
    this.since = performance.now();
  }

  /** The exchange is over (or became a tunnel): no more timeouts. */
  protected settle(): void {
    this.finished = true;
    this.deadlines.untrack(this);
  }
}
