/**
 * The data plane's upgrade door (Node's `upgrade` event). A WebSocket handshake takes
 * the same way as a request: route, the deployment's traffic policy around its gate
 * (rate limits, failed-credential throttling: an Upgrade header is no way around
 * either), then the proxy, which
 * forwards it through the node's pool (counted in flight on the node for the tunnel's
 * life, passively ejected on connect failure). It is counted in the request metrics and
 * access-logged when its connection closes, with the status the client got (101 once
 * upgraded, 499 if the client left first).
 *
 * Any other Upgrade (`h2c`, as `curl --http2` sends over cleartext) is ignored, as RFC
 * 9110 7.8 allows: the request head is handed back to Node's HTTP parser without the
 * upgrade, so it is served like any request (body, keep-alive and all).
 */
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CompiledDeployment, PlanHolder } from '../plan/plan.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { AnswerHeaders, TrafficPolicy } from '../policy/traffic-policy.js';
import type { ErrorAnswers, ProxiedHandshake, RequestProxy } from '../proxy/upstream-proxy.js';
import { admit } from './admission.js';
import type { RequestRecorder } from './request-record.js';
import { requestIdFor } from './request-id.js';
import { routeRequest } from './route-request.js';

export interface UpgradeServices {
  readonly plans: PlanHolder;
  readonly logger: Logger;
  readonly proxy: RequestProxy;
  readonly answers: ErrorAnswers;
  readonly recorder: RequestRecorder;
  readonly traffic: TrafficPolicy;
}

/**
 * A handshake has no ServerResponse for the policy's CORS and RateLimit headers: a
 * refusal carries its own (Retry-After, RateLimit), and the 101 is the node's, relayed.
 */
const HANDSHAKE_HEADERS: AnswerHeaders = Object.freeze({
  setHeader: (): undefined => undefined,
  headersSent: false,
});

const WEBSOCKET = /(^|,)\s*websocket\s*(,|$)/i;

export class UpgradeDoor {
  /** Client sockets of upgrades (handshaking or tunnelled), closed at the end of a shutdown. */
  readonly sockets = new Set<Duplex>();

  constructor(private readonly services: UpgradeServices) {}

  readonly handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const upgrade = req.headers.upgrade;
    if (upgrade === undefined || !WEBSOCKET.test(upgrade)) {
      this.serveWithoutUpgrade(req, socket, head);
      return;
    }
    const startedAt = performance.now();
    const { plans, logger, answers, recorder, traffic } = this.services;
    const requestId = requestIdFor(req.headers['x-request-id']);
    const remote = req.socket.remoteAddress;
    const plan = plans.current;
    // Set further down and read by the close listener registered first.
    // eslint-disable-next-line prefer-const
    let deployment: CompiledDeployment | undefined;
    let proxied: ProxiedHandshake | undefined;
    let answered = 0;
    socket.on('error', (err: Error) => {
      logger.debug({ err, requestId }, 'upgrade client connection failed');
      socket.destroy();
    });
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      const status = proxied ? proxied.status : answered;
      if (proxied && status === 0) proxied.cancel();
      recorder.record(plan, req, status || 499, startedAt, requestId, remote, deployment, proxied?.exchange);
    });
    const refuse = (error: GatehouseError): void => {
      answered = error.status;
      answers.answerOnSocket(socket, error, requestId);
    };
    const routed = routeRequest(plan, req);
    if (routed instanceof GatehouseError) return refuse(routed);
    deployment = routed.deployment;
    admit(
      () => traffic.admit(routed, req, HANDSHAKE_HEADERS),
      (admission) => {
        if (socket.destroyed) return;
        if (!admission.allowed) return refuse(admission.error);
        try {
          proxied = this.services.proxy.upgrade(req, socket, head, 'websocket', {
            target: routed.deployment,
            requestTarget: routed.target,
            trust: routed.plan.proxyTrust,
            identityHeaders: admission.upstreamHeaders,
            requestId,
          });
        } catch (err) {
          // A bug must cost one connection, not the process.
          logger.error({ err, requestId }, 'WebSocket forwarding failed unexpectedly');
          refuse(new GatehouseError('internal_error'));
        }
      },
      (err) => {
        logger.error({ err, requestId }, 'authentication failed unexpectedly');
        if (!socket.destroyed) refuse(new GatehouseError('auth_unavailable'));
      },
    );
  };

  /**
   * Gives the request head back to Node's HTTP parser with the Upgrade removed, once the
   * connection's earlier (pipelined) responses are written: a new parser state must not
   * start while the old one still owns the socket.
   */
  private serveWithoutUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const server = (socket as Duplex & { server?: http.Server }).server;
    const listen = (http as unknown as { _connectionListener?: (this: http.Server, s: Duplex) => void })
      ._connectionListener;
    if (!server || typeof listen !== 'function') {
      this.services.logger.error('cannot serve a request with an unknown Upgrade: no HTTP server');
      this.services.answers.answerOnSocket(
        socket,
        new GatehouseError('bad_request', 'This Upgrade is not supported.'),
        requestIdFor(req.headers['x-request-id']),
      );
      return;
    }
    if (head.length > 0) socket.unshift(head);
    socket.unshift(Buffer.from(headWithoutUpgrade(req), 'latin1'));
    whenSocketFree(socket, () => {
      if (!socket.destroyed) listen.call(server, socket);
    });
  }
}

/** Runs `then` once no earlier response is being written on the socket (Node's `_httpMessage`). */
function whenSocketFree(socket: Duplex, then: () => void): void {
  const current = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (!current) return then();
  // 'close' comes after Node handed the socket to the next queued response, if any.
  current.once('close', () => whenSocketFree(socket, then));
}

/** The request head as received, minus the Upgrade field and the `upgrade` Connection option. */
function headWithoutUpgrade(req: IncomingMessage): string {
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    let value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'upgrade') continue;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && token.toLowerCase() !== 'upgrade')
        .join(', ');
      if (value === '') continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}
