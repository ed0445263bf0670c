import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../clock.js';
import type { CompiledDeployment, PlanHolder } from '../plan/plan.js';
import { GatehouseError } from '../errors.js';
import type { AccessLog } from '../observability/access-log.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { TrafficPolicy } from '../policy/traffic-policy.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { bodyShape } from '../proxy/proxied-request.js';
import {
  UpstreamProxy,
  type ErrorAnswers,
  type ProxiedExchange,
  type RequestProxy,
} from '../proxy/upstream-proxy.js';
import { DEFAULT_METHOD_POLICY } from '../routing/allowed-methods.js';
import { admit } from './admission.js';
import { RequestRecorder } from './request-record.js';
import { requestIdFor } from './request-id.js';
import { sendError, sendErrorOnSocket } from './respond.js';
import { methodNotAllowed, routeRequest } from './route-request.js';
import { UpgradeDoor } from './upgrade.js';

export interface DataPlaneServices {
  readonly plans: PlanHolder;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
  /** Rate limits, failed-credential throttling and CORS around each deployment's gate. */
  readonly traffic: TrafficPolicy;
  /** True once shutdown has begun: answers carry Connection: close. */
  isDraining(): boolean;
  /** Where access-log lines go when the plan has `logging.accessLog` on. */
  readonly accessLog?: AccessLog;
  /** The upstream proxy (default: the real one over `pools`); tests hand in their own. */
  readonly proxy?: (answers: ErrorAnswers) => RequestProxy;
}

const INTERNAL_ERROR = Object.freeze(new GatehouseError('internal_error'));
const AUTH_UNAVAILABLE = Object.freeze(new GatehouseError('auth_unavailable'));

/**
 * The data plane: a plain node:http handler over the current plan, one way through:
 * route (route-request.ts), admit (the deployment's gate: authentication, authorization,
 * identity headers), then hand the request to the proxy (node pick, retry, passive
 * ejection, relay), which answers the client. Nothing here parses a body or logs a
 * header value. Upgrades take the same way through upgrade.ts.
 */
export class DataPlane {
  /** HTTP requests in progress (upgrades are in `upgradedSockets`). */
  inFlight = 0;
  private readonly recorder: RequestRecorder;
  private readonly answers: ErrorAnswers;
  private readonly proxy: RequestProxy;
  private readonly upgrades: UpgradeDoor;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly services: DataPlaneServices) {
    const { metrics } = services;
    this.recorder = new RequestRecorder(metrics, services.accessLog);
    this.answers = {
      answer: (res, error, requestId, closeConnection) => {
        metrics.errorResponses.labels(error.code).inc();
        sendError(res, error, requestId, closeConnection);
      },
      answerOnSocket: (socket, error, requestId) => {
        metrics.errorResponses.labels(error.code).inc();
        sendErrorOnSocket(socket, error, requestId);
      },
    };
    this.proxy = services.proxy?.(this.answers) ?? new UpstreamProxy(services, this.answers);
    this.upgrades = new UpgradeDoor({
      ...services,
      proxy: this.proxy,
      answers: this.answers,
      recorder: this.recorder,
    });
    metrics.setInFlightSource(() => this.inFlight);
  }

  /** Client sockets of WebSocket upgrades, handshaking or tunnelled. */
  get upgradedSockets(): ReadonlySet<Duplex> {
    return this.upgrades.sockets;
  }

  /** Resolves once no HTTP request is in progress (at once when none is). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res, false);
  };

  /**
   * A request with `Expect: 100-continue` (Node's checkContinue event): served like any
   * other, and `100 Continue` is written only once it has been routed, admitted and its
   * declared length checked. A refused client gets its final answer without a 100, and
   * the connection is closed since its body was never read (RFC 9110 10.1.1).
   */
  readonly handleCheckContinue = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res, true);
  };

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.upgrades.handle(req, socket, head);
  };

  private serve(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
    // A pipelined request behind an answer that closes the connection is never answered:
    // not processed (RFC 9112 9.6), nothing forwarded, nothing held.
    if (answerNeverSent(req, res)) return;
    const startedAt = performance.now();
    const services = this.services;
    const requestId = requestIdFor(req.headers['x-request-id']);
    // Read now: undici sets req.socket to null when it finishes with a request body.
    const remote = req.socket.remoteAddress;
    const plan = services.plans.current;
    this.inFlight++;
    if (plan) services.plans.acquire(plan);
    if (services.isDraining()) res.shouldKeepAlive = false;

    // Both are set further down and read by the close listener registered first.
    // eslint-disable-next-line prefer-const
    let deployment: CompiledDeployment | undefined;
    let proxied: ProxiedExchange | undefined;
    // A pipelined request waits for the answers before it to get the socket. Should the
    // connection close first (one of them cut or answered with Connection: close later),
    // Node never closes this response: the socket's close ends it instead.
    const queuedOn = res.socket === null && req.httpVersionMajor === 1 ? req.socket : undefined;
    let closed = false;
    const onClose = (): void => {
      if (closed) return;
      closed = true;
      if (queuedOn) queuedOn.off('close', onClose);
      const completed = res.writableFinished;
      if (!completed) proxied?.cancel();
      const status = completed ? res.statusCode : 499;
      this.recorder.record(plan, req, status, startedAt, requestId, remote, deployment, proxied?.exchange);
      if (plan) services.plans.release(plan);
      if (--this.inFlight === 0 && this.idleWaiters.length > 0) this.wakeIdleWaiters();
    };
    res.on('close', onClose);
    if (queuedOn) queuedOn.on('close', onClose);

    const preflight = services.traffic.preflight(plan, req, res, requestId);
    if (preflight !== undefined) {
      if (preflight !== 'answered') this.reject(res, preflight, requestId, req);
      return;
    }
    const routed = routeRequest(plan, req);
    if (routed instanceof GatehouseError) {
      this.reject(res, routed, requestId, req);
      return;
    }
    deployment = routed.deployment;
    admit(
      () => services.traffic.admit(routed, req, res),
      (admission) => {
        // An admission that needed to wait may finish after the client left.
        if (res.destroyed) return;
        if (!admission.allowed) return this.reject(res, admission.error, requestId, req);
        try {
          proxied = this.proxy.forward(
            req,
            res,
            {
              target: routed.deployment,
              requestTarget: routed.target,
              trust: routed.plan.proxyTrust,
              identityHeaders: admission.upstreamHeaders,
              requestId,
            },
            startedAt,
            expectContinue,
          );
        } catch (err) {
          // A bug must cost one request, not the process.
          services.logger.error({ err, requestId }, 'forwarding failed unexpectedly');
          this.reject(res, INTERNAL_ERROR, requestId, req);
        }
      },
      (err) => {
        // Fail closed: an authentication bug or an unreachable dependency is 503, never "allow".
        services.logger.error({ err, requestId }, 'authentication failed unexpectedly');
        if (!res.destroyed) this.reject(res, AUTH_UNAVAILABLE, requestId, req);
      },
    );
  }

  /**
   * CONNECT, which Node hands over apart from requests: Gatehouse never tunnels, so it is
   * 405 everywhere, with the matched deployment's `Allow` (origin-form target) or the
   * default one (the usual authority-form `host:port` names no deployment). The socket
   * is then closed.
   */
  readonly handleConnect = (req: IncomingMessage, socket: Duplex): void => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    socket.on('error', (err: Error) => {
      this.services.logger.debug({ err, requestId }, 'CONNECT client connection failed');
      socket.destroy();
    });
    const routed = routeRequest(this.services.plans.current, req);
    const error =
      routed instanceof GatehouseError && routed.code === 'method_not_allowed'
        ? routed
        : methodNotAllowed('CONNECT', DEFAULT_METHOD_POLICY);
    this.recorder.unmatched.countRequest('CONNECT', error.status);
    this.answers.answerOnSocket(socket, error, requestId);
  };

  /** A JSON error; the connection closes after it when the client's body was not read. */
  private reject(res: ServerResponse, error: GatehouseError, requestId: string, req: IncomingMessage): void {
    this.answers.answer(res, error, requestId, bodyShape(req).kind !== 'none' && !req.complete);
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * An HTTP/1.1 request pipelined behind a response that ends the connection (the client's
 * `Connection: close`, a refusal with `Connection: close`, draining), or arriving on a
 * connection already closing: Node queues its response for a socket that closes first.
 */
function answerNeverSent(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.httpVersionMajor !== 1) return false;
  const socket = req.socket;
  if (socket.writable === false) return true;
  const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  return (
    current !== null &&
    current !== undefined &&
    current !== res &&
    (!current.shouldKeepAlive || (current as { _last?: boolean })._last === true)
  );
}
