/**
 * One admitted request on its way upstream: the body-size check, `100 Continue` (only
 * now, after routing, admission and the size check), the request body (held back until
 * its first bytes are in, src/proxy/request-body.ts), the exchange with a node, and the
 * request deadline. Every outcome ends in a relayed response, a JSON error or a closed
 * connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { CompiledDeployment } from '../config/plan.js';
import { GatehouseError } from '../errors.js';
import { BodyTooLargeError } from './body-limit.js';
import { RequestBody } from './request-body.js';
import { Exchange, type ExchangeServices } from './retrying-exchange.js';
import type { DeadlineEntry, RequestDeadlines } from './request-deadlines.js';

/** What the client said about its body: none, a length, or chunked (unknown length). */
export type BodyShape = { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' };

const NO_BODY: BodyShape = Object.freeze({ kind: 'none' });
const CHUNKED: BodyShape = Object.freeze({ kind: 'chunked' });

export function bodyShape(req: IncomingMessage): BodyShape {
  if (req.headers['transfer-encoding'] !== undefined) return CHUNKED;
  const length = req.headers['content-length'];
  if (length === undefined || length === '0') return NO_BODY;
  return { kind: 'length', bytes: Number(length) };
}

export interface ForwardingContext {
  readonly services: ExchangeServices;
  readonly deadlines: RequestDeadlines;
  /** Answers with a JSON error (and closes the connection when the body was not read). */
  reject(res: ServerResponse, error: GatehouseError, requestId: string, req: IncomingMessage): void;
}

export interface ForwardingRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly deployment: CompiledDeployment;
  /** Path and query for the node. */
  readonly path: string;
  readonly headers: string[];
  readonly requestId: string;
  /** performance.now() when the request head was received. */
  readonly startedAt: number;
}

export class Forwarding implements DeadlineEntry {
  exchange: Exchange | undefined;
  readonly deadline: number;
  private body: RequestBody | undefined;
  private hasBody = false;

  constructor(
    private readonly ctx: ForwardingContext,
    private readonly request: ForwardingRequest,
  ) {
    this.deadline = request.startedAt + request.deployment.requestTimeoutMs;
  }

  /** `expectContinue`: the client waits for `100 Continue` before it sends its body. */
  start(expectContinue: boolean): void {
    const { req, res, deployment, requestId } = this.request;
    const shape = bodyShape(req);
    const limit = deployment.maxBodyBytes;
    if (shape.kind === 'length' && limit > 0 && shape.bytes > limit) {
      this.ctx.reject(res, new GatehouseError('body_too_large'), requestId, req);
      return;
    }
    if (expectContinue) res.writeContinue();
    if (shape.kind === 'none') {
      this.send(null);
      return;
    }
    this.hasBody = true;
    if (deployment.requestTimeoutMs > 0 && !req.complete) this.ctx.deadlines.track(this);
    this.body = new RequestBody(
      req,
      { limitBytes: shape.kind === 'chunked' ? limit : 0, bufferBytes: deployment.bodyBufferBytes },
      this.onBody,
    );
  }

  /** The client went away: stop the upstream exchange and stop reading. */
  cancel(): void {
    this.exchange?.cancel();
    this.body?.abort();
  }

  done(): boolean {
    return this.request.req.complete || this.request.req.destroyed;
  }

  /**
   * The body did not arrive in time: abort the upstream request (which frees its
   * connection), then answer 408 if nothing was sent yet, else cut the response (or,
   * when the response is complete, the connection still carrying the body).
   */
  expire(): void {
    const { req, res, requestId } = this.request;
    // The exchange first: it then ends as client_gone, never as a failure of the node.
    this.exchange?.cancel();
    this.body?.abort();
    if (!res.headersSent)
      this.ctx.reject(
        res,
        new GatehouseError('request_timeout', 'The request body was not received in time.'),
        requestId,
        req,
      );
    else if (!res.writableFinished) res.destroy();
    else req.socket?.destroy();
  }

  private readonly onBody = (body: Readable | Error): void => {
    const { req, res, requestId } = this.request;
    // Answered meanwhile (deadline) or the client left: nothing to forward.
    if (res.headersSent || res.destroyed) return;
    if (body instanceof BodyTooLargeError)
      this.ctx.reject(res, new GatehouseError('body_too_large'), requestId, req);
    else if (!(body instanceof Error)) this.send(body);
  };

  private send(body: Readable | null): void {
    const { res, deployment, path, headers, requestId, req } = this.request;
    this.exchange = new Exchange(
      this.ctx.services,
      res,
      deployment,
      {
        method: req.method ?? 'GET',
        path,
        headers,
        body,
        responseTimeoutMs: deployment.timeouts.responseMs,
        idleTimeoutMs: deployment.timeouts.idleMs,
        requestId,
      },
      this.hasBody,
    );
    this.exchange.start();
  }
}
