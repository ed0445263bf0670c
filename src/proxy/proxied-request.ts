/**
 * One admitted HTTP request on its way upstream: the body-size check, `100 Continue`
 * (only now, after routing, admission and the size check), the request body (held back
 * until its first bytes are in, request-body.ts), the exchange with the nodes
 * (retrying-exchange.ts) and the request deadline. Every outcome ends in a relayed
 * response, a JSON error or a closed connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { GatehouseError } from '../errors.js';
import { BodyTooLargeError } from './body-limit.js';
import { forward, type NodeClient } from './forwarder.js';
import type { BodyProgress, ForwardHandle, RelayEvents, UpstreamRequest } from './relay.js';
import { RequestBody } from './request-body.js';
import type { Timed } from './deadline-sweep.js';
import { RetryingExchange, type ClientEnd } from './retrying-exchange.js';
import type { ProxyContext, ProxyTarget } from './upstream-proxy.js';

/** What the client said about its body: none, a length, or chunked (unknown length). */
export type BodyShape = { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' };

const NO_BODY: BodyShape = Object.freeze({ kind: 'none' });
const CHUNKED: BodyShape = Object.freeze({ kind: 'chunked' });
const BODY_TOO_LARGE = Object.freeze(new GatehouseError('body_too_large'));
const BODY_TIMEOUT = Object.freeze(
  new GatehouseError('request_timeout', 'The request body was not received in time.'),
);

export function bodyShape(req: IncomingMessage): BodyShape {
  if (req.headers['transfer-encoding'] !== undefined) return CHUNKED;
  const length = req.headers['content-length'];
  if (length === undefined || length === '0') return NO_BODY;
  return { kind: 'length', bytes: Number(length) };
}

export class ProxiedRequest implements Timed, ClientEnd, BodyProgress {
  exchange: RetryingExchange | undefined;
  readonly deadline: number;
  sweepSlot = -1;
  readonly method: string;
  body: Readable | null = null;
  private hasBody = false;
  private requestBody: RequestBody | undefined;
  private upstreamRequest: UpstreamRequest | undefined;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly target: ProxyTarget,
    /** Path and query for the node. */
    private readonly path: string,
    private readonly headers: string[],
    readonly requestId: string,
    /** performance.now() when the request head was received. */
    startedAt: number,
  ) {
    this.deadline = startedAt + target.requestTimeoutMs;
    this.method = req.method ?? 'GET';
  }

  /** The request body's progress (its RequestBody may release it before being assigned here). */
  get lastChunkAt(): number {
    return this.requestBody?.lastChunkAt ?? 0;
  }

  get gone(): boolean {
    // Not req.destroyed: a body read to its end into the limit counter auto-destroys the request stream.
    return this.res.destroyed;
  }

  /** `expectContinue`: the client waits for `100 Continue` before it sends its body. */
  start(expectContinue: boolean): void {
    const { req, res, target } = this;
    const shape = bodyShape(req);
    const limit = target.maxBodyBytes;
    this.hasBody = shape.kind !== 'none';
    if (shape.kind === 'length' && limit > 0 && shape.bytes > limit) {
      this.fail(BODY_TOO_LARGE);
      return;
    }
    if (expectContinue) res.writeContinue();
    if (shape.kind === 'none') {
      this.send(null);
      return;
    }
    const timed = target.requestTimeoutMs > 0 && !req.complete;
    if (timed) this.ctx.deadlines.track(this);
    this.requestBody = new RequestBody(
      req,
      { limitBytes: shape.kind === 'chunked' ? limit : 0, bufferBytes: target.bodyBufferBytes },
      this.onBody,
      timed ? this.onBodyEnd : undefined,
    );
  }

  /** The client went away: stop the upstream exchange and stop reading. */
  cancel(): void {
    this.exchange?.cancel();
    this.requestBody?.abort();
  }

  checkDeadline(now: number): boolean {
    if (this.req.complete || this.req.destroyed) return true;
    if (now < this.deadline) return false;
    this.expire();
    return true;
  }

  /**
   * The body did not arrive in time: abort the upstream request (which frees its
   * connection), then answer 408 if nothing was sent yet, else cut the response (or,
   * when the response is complete, the connection still carrying the body).
   */
  expire(): void {
    const { req, res } = this;
    // The exchange first: it then ends as client_gone, never as a failure of the node.
    this.exchange?.cancel();
    this.requestBody?.abort();
    if (!res.headersSent) this.fail(BODY_TIMEOUT);
    else if (!res.writableFinished) res.destroy();
    else req.socket?.destroy();
  }

  attempt(client: NodeClient, events: RelayEvents): ForwardHandle {
    this.upstreamRequest ??= {
      method: this.method,
      path: this.path,
      headers: this.headers,
      body: this.body,
      responseTimeoutMs: this.target.timeouts.responseMs,
      idleTimeoutMs: this.target.timeouts.idleMs,
      bodyProgress: this.hasBody ? this : null,
      requestId: this.requestId,
    };
    return forward(client, this.upstreamRequest, this.res, events, this.ctx.deadlines);
  }

  /**
   * The connection is closed after the answer when the client's body was not read to
   * its end, and after any exchange failure of a request with a body (part of it may be
   * in flight).
   */
  fail(error: GatehouseError): void {
    const close = this.hasBody && (this.exchange !== undefined || !this.req.complete);
    this.ctx.answers.answer(this.res, error, this.requestId, close);
  }

  cut(): void {
    this.res.destroy();
  }

  /** The whole body arrived: its deadline is met. */
  private readonly onBodyEnd = (): void => {
    this.ctx.deadlines.untrack(this);
  };

  private readonly onBody = (body: Readable | Error): void => {
    // Answered meanwhile (deadline) or the client left: nothing to forward.
    if (this.res.headersSent || this.res.destroyed) return;
    if (body instanceof BodyTooLargeError) this.fail(BODY_TOO_LARGE);
    else if (!(body instanceof Error)) this.send(body);
  };

  private send(body: Readable | null): void {
    this.body = body;
    this.exchange = new RetryingExchange(this.ctx.services, this.target, this);
    this.exchange.start();
  }
}
