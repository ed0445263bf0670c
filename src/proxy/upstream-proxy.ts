/**
 * The proxy's entry point: what the data plane hands an admitted request to, HTTP or
 * upgrade. From here the request only goes forward: upstream headers (the client's
 * end-to-end headers, forwarding headers, the admission's identity headers), the
 * deployment's path rule, then the exchange with its nodes (pick, retry, passive
 * ejection, relay). Errors are answered through `answers`, the data plane's one JSON
 * error writer, handed in at construction.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { GatehouseError } from '../errors.js';
import type { RequestTarget } from '../routing/normalize-path.js';
import type { ProxyTrust } from './forwarded.js';
import { DeadlineSweep } from './deadline-sweep.js';
import { ProxiedRequest } from './proxied-request.js';
import { ProxiedUpgrade } from './proxied-upgrade.js';
import { buildUpstreamHeaders, type UpstreamHeaderPolicy } from './request-headers.js';
import type { ExchangeServices, ExchangeTarget, RetryingExchange } from './retrying-exchange.js';
import type { UpstreamPathRule } from './upstream-path.js';

/** Writes JSON error answers (the data plane's writer, which also counts them). */
export interface ErrorAnswers {
  /** On a response; `closeConnection` when the client's body was not read. */
  answer(res: ServerResponse, error: GatehouseError, requestId: string, closeConnection: boolean): void;
  /** On a raw socket (a refused or failed upgrade), which is then closed. */
  answerOnSocket(socket: Duplex, error: GatehouseError, requestId: string): void;
}

/** What the proxy reads of a compiled deployment. */
export interface ProxyTarget extends ExchangeTarget {
  readonly headerPolicy: UpstreamHeaderPolicy;
  readonly upstreamPath: UpstreamPathRule;
  readonly timeouts: { readonly responseMs: number; readonly idleMs: number };
  readonly maxBodyBytes: number;
  /** Longest time the request body may take to arrive (0 = none). */
  readonly requestTimeoutMs: number;
  /** Body bytes received before the upstream request is opened (0 = at once). */
  readonly bodyBufferBytes: number;
}

/** An admitted request as the proxy takes it over. */
export interface AdmittedRequest {
  readonly target: ProxyTarget;
  /** The routed request target (normalised path, query). */
  readonly requestTarget: RequestTarget;
  /** Whether the peer is a trusted proxy (its X-Forwarded-* are kept). */
  readonly trust: ProxyTrust;
  /** The admission's identity headers. */
  readonly identityHeaders: readonly string[];
  readonly requestId: string;
}

export interface ProxyContext {
  readonly services: ExchangeServices;
  /** Request-body deadlines and upstream timeouts, on one timer. */
  readonly deadlines: DeadlineSweep;
  readonly answers: ErrorAnswers;
}

/** A request the proxy has taken over, as the data plane sees it. */
export interface ProxiedExchange {
  /** The exchange with the nodes, once started (node, upstream time, retried: for the access log). */
  readonly exchange: RetryingExchange | undefined;
  /** The client left: stop. */
  cancel(): void;
}

/** An upgrade the proxy has taken over. */
export interface ProxiedHandshake extends ProxiedExchange {
  /** The status the client got (0 while none). */
  readonly status: number;
}

/** What the data plane needs of the proxy (unit tests hand in their own). */
export interface RequestProxy {
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    admitted: AdmittedRequest,
    startedAt: number,
    expectContinue: boolean,
  ): ProxiedExchange;
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    protocol: string,
    admitted: AdmittedRequest,
  ): ProxiedHandshake;
}

export class UpstreamProxy implements RequestProxy {
  private readonly ctx: ProxyContext;

  constructor(services: ExchangeServices, answers: ErrorAnswers) {
    const deadlines = new DeadlineSweep((err) =>
      services.logger.error({ err }, 'deadline handling failed unexpectedly'),
    );
    this.ctx = { services, deadlines, answers };
  }

  /** Forwards an admitted HTTP request; `expectContinue`: the client waits for `100 Continue`. */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    admitted: AdmittedRequest,
    startedAt: number,
    expectContinue: boolean,
  ): ProxiedRequest {
    const { target, requestId } = admitted;
    const proxied = new ProxiedRequest(
      this.ctx,
      req,
      res,
      target,
      target.upstreamPath(admitted.requestTarget),
      upstreamHeaders(req, admitted),
      requestId,
      startedAt,
    );
    proxied.start(expectContinue);
    return proxied;
  }

  /** Forwards an admitted WebSocket upgrade; the socket is the client's. */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    protocol: string,
    admitted: AdmittedRequest,
  ): ProxiedUpgrade {
    const { target, requestId } = admitted;
    const upgrade = new ProxiedUpgrade(this.ctx, socket, head, protocol, target, {
      method: req.method ?? 'GET',
      path: target.upstreamPath(admitted.requestTarget),
      headers: upstreamHeaders(req, admitted),
      body: null,
      responseTimeoutMs: target.timeouts.responseMs,
      idleTimeoutMs: target.timeouts.idleMs,
      bodyProgress: null,
      requestId,
    });
    upgrade.start();
    return upgrade;
  }
}

function upstreamHeaders(req: IncomingMessage, admitted: AdmittedRequest): string[] {
  const peerAddress = req.socket.remoteAddress ?? '';
  return buildUpstreamHeaders(
    req.headers,
    {
      peerAddress,
      protocol: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      host: req.headers.host,
      trusted: admitted.trust(peerAddress),
      requestId: admitted.requestId,
    },
    admitted.target.headerPolicy,
    admitted.identityHeaders,
  );
}
