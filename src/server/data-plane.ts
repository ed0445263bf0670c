import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Admission } from '../auth/types.js';
import type { Clock } from '../clock.js';
import type { CompiledDeployment, PlanHolder, RuntimePlan } from '../config/plan.js';
import { GatehouseError } from '../errors.js';
import type { AccessLog } from '../observability/access-log.js';
import type { Logger } from '../observability/log.js';
import type { DeploymentMetrics, GatehouseMetrics } from '../observability/metrics.js';
import type { TrafficPolicy } from '../policy/traffic-policy.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { buildUpstreamHeaders, type UpstreamRequestFacts } from '../proxy/request-headers.js';
import { proxyWebSocket } from '../proxy/websocket.js';
import { DEFAULT_METHOD_POLICY } from '../routing/allowed-methods.js';
import { bodyShape, Forwarding, type ForwardingContext } from './forwarding.js';
import { RequestDeadlines } from './request-deadlines.js';
import { requestIdFor } from './request-id.js';
import { methodNotAllowed, routeRequest, upstreamPath, type Routed } from './route-request.js';
import { sendError, sendErrorOnSocket } from './respond.js';

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
  /** The access log, or undefined when access logging is off. */
  accessLog(): AccessLog | undefined;
}

/**
 * The data plane: a plain node:http handler over the current plan. Route, admit
 * (authenticate + authorize, synchronously when the gate can), then forward. Nothing
 * here parses a body or logs a header value.
 */
export class DataPlane {
  inFlight = 0;
  private readonly unmatched: DeploymentMetrics;
  readonly upgradedSockets = new Set<Duplex>();
  private readonly forwardingContext: ForwardingContext;

  constructor(private readonly services: DataPlaneServices) {
    this.unmatched = services.metrics.forDeployment('(none)');
    const deadlines = new RequestDeadlines((err) =>
      services.logger.error({ err }, 'request deadline handling failed unexpectedly'),
    );
    this.forwardingContext = { services, deadlines, reject: this.reject };
    services.metrics.setInFlightSource(() => this.inFlight);
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

  private serve(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
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
    let forwarding: Forwarding | undefined;
    // 'close' fires exactly once; `on` avoids the wrapper `once` allocates per request.
    res.on('close', () => {
      const completed = res.writableFinished;
      if (!completed) forwarding?.cancel();
      const exchange = forwarding?.exchange;
      const status = completed ? res.statusCode : 499;
      const metrics = deployment?.metrics ?? this.unmatched;
      const seconds = (performance.now() - startedAt) / 1000;
      metrics.countRequest(req.method ?? 'OTHER', status);
      metrics.duration.observe(seconds);
      this.inFlight--;
      if (plan) services.plans.release(plan);
      const accessLog = services.accessLog();
      if (accessLog)
        accessLog.write({
          requestId,
          method: req.method ?? '',
          path: routedPath(req.url),
          status,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          deployment: deployment?.id,
          node: exchange?.node?.url,
          upstreamMs:
            exchange && exchange.upstreamMs > 0 ? Math.round(exchange.upstreamMs * 1e3) / 1e3 : undefined,
          retried: exchange?.retried === true,
          remote,
        });
    });

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
    const proceed = (result: Admission): void => {
      // An admission that needed to wait may finish after the client left.
      if (res.destroyed) return;
      if (!result.allowed) {
        this.reject(res, result.error, requestId, req);
        return;
      }
      try {
        forwarding = this.forward(req, res, routed, result, requestId, startedAt);
        forwarding.start(expectContinue);
      } catch (err) {
        // A bug must cost one request, not the process.
        services.logger.error({ err, requestId }, 'forwarding failed unexpectedly');
        this.reject(res, new GatehouseError('internal_error'), requestId, req);
      }
    };
    const failed = (err: unknown): void => {
      // Fail closed: an authentication bug or an unreachable dependency is 503, never "allow".
      services.logger.error({ err, requestId }, 'authentication failed unexpectedly');
      if (!res.destroyed) this.reject(res, new GatehouseError('auth_unavailable'), requestId, req);
    };
    let admission: ReturnType<CompiledDeployment['gate']['admit']>;
    try {
      admission = services.traffic.admit(routed, req, res);
    } catch (err) {
      failed(err);
      return;
    }
    if (admission instanceof Promise) admission.then(proceed, failed);
    else proceed(admission);
  }

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    socket.on('error', () => socket.destroy());
    const plan = this.services.plans.current;
    const routed = routeRequest(plan, req);
    if (routed instanceof GatehouseError) {
      sendErrorOnSocket(socket, routed, requestId);
      return;
    }
    const forward = (result: Admission): void => {
      if (!result.allowed) return sendErrorOnSocket(socket, result.error, requestId);
      const node = routed.deployment.pool.pick();
      if (!node) return sendErrorOnSocket(socket, new GatehouseError('no_healthy_node'), requestId);
      const headers = buildUpstreamHeaders(
        req.headers,
        this.facts(req, routed.plan, requestId),
        routed.deployment.headerPolicy,
        routed.deployment.gate.identityHeaders(result.identity),
      );
      this.upgradedSockets.add(socket);
      socket.once('close', () => this.upgradedSockets.delete(socket));
      proxyWebSocket(req, socket, head, {
        target: node.url,
        path: upstreamPath(routed),
        headers,
        onError: () => sendErrorOnSocket(socket, new GatehouseError('bad_gateway'), requestId),
      });
    };
    // Whatever goes wrong after admission (a header Node refuses, a proxy error) ends
    // with an error on this socket, never an uncaught exception.
    const admit = (result: Admission): void => {
      try {
        forward(result);
      } catch (err) {
        this.services.logger.error({ err, requestId }, 'WebSocket forwarding failed');
        sendErrorOnSocket(socket, new GatehouseError('bad_gateway'), requestId);
      }
    };
    let admission: ReturnType<typeof routed.deployment.gate.admit>;
    try {
      admission = routed.deployment.gate.admit(req);
    } catch (err) {
      this.services.logger.error({ err, requestId }, 'authentication failed unexpectedly');
      return sendErrorOnSocket(socket, new GatehouseError('auth_unavailable'), requestId);
    }
    if (admission instanceof Promise)
      admission.then(admit, () =>
        sendErrorOnSocket(socket, new GatehouseError('auth_unavailable'), requestId),
      );
    else admit(admission);
  };

  /**
   * CONNECT, which Node hands over apart from requests: Gatehouse never tunnels, so it is
   * 405 everywhere, with the matched deployment's `Allow` (origin-form target) or the
   * default one (the usual authority-form `host:port` names no deployment). The socket
   * is then closed.
   */
  readonly handleConnect = (req: IncomingMessage, socket: Duplex): void => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    socket.on('error', () => socket.destroy());
    const routed = routeRequest(this.services.plans.current, req);
    const error =
      routed instanceof GatehouseError && routed.code === 'method_not_allowed'
        ? routed
        : methodNotAllowed('CONNECT', DEFAULT_METHOD_POLICY);
    this.services.metrics.errorResponses.labels(error.code).inc();
    this.unmatched.countRequest('CONNECT', error.status);
    sendErrorOnSocket(socket, error, requestId);
  };

  private readonly reject = (
    res: ServerResponse,
    error: GatehouseError,
    requestId: string,
    req: IncomingMessage,
  ): void => {
    this.services.metrics.errorResponses.labels(error.code).inc();
    sendError(res, error, requestId, bodyShape(req).kind !== 'none' && !req.complete);
  };

  private facts(req: IncomingMessage, plan: RuntimePlan, requestId: string): UpstreamRequestFacts {
    const peerAddress = req.socket.remoteAddress ?? '';
    return {
      peerAddress,
      protocol: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      host: req.headers.host,
      trusted: plan.proxyTrust(peerAddress),
      requestId,
    };
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    routed: Routed,
    admission: Admission & { allowed: true },
    requestId: string,
    startedAt: number,
  ): Forwarding {
    const { deployment, plan } = routed;
    const headers = buildUpstreamHeaders(
      req.headers,
      this.facts(req, plan, requestId),
      deployment.headerPolicy,
      deployment.gate.identityHeaders(admission.identity),
    );
    return new Forwarding(this.forwardingContext, {
      req,
      res,
      deployment,
      path: upstreamPath(routed),
      headers,
      requestId,
      startedAt,
    });
  }
}

/** The path for logs: no query string (it may carry credentials), capped in length. */
function routedPath(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 512 ? `${path.slice(0, 512)}...` : path;
}
