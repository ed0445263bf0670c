import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Clock } from '../clock.js';
import type { CompiledDeployment } from '../config/plan.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { ClientGoneError, type ForwardFailure } from '../proxy/forward-failure.js';
import { forward, type ForwardHandle, type RelayEvents, type UpstreamRequest } from '../proxy/forwarder.js';
import type { UpstreamNode } from '../proxy/upstream-pool.js';
import { sendError } from './respond.js';

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export interface ExchangeServices {
  readonly clock: Clock;
  readonly pools: PoolRegistry;
  readonly logger: Logger;
}

/**
 * True when a streamed request body can still be sent to another node: no byte of it
 * was read. undici only reads the body once connected; when the connect fails
 * (ECONNREFUSED, connect timeout) it leaves the stream untouched, and when it fails
 * after writing began it destroys the stream, which this check sees too.
 */
function bodyUntouched(body: Readable | null): boolean {
  return body === null || (!body.readableDidRead && !body.destroyed && !body.readableEnded);
}

/**
 * One request's trip upstream: pick a node, relay, and retry once on another node when
 * the first attempt failed before any response and no byte of the body was read:
 * - a request that never left Gatehouse (no connection was established for it: refused,
 *   connect timeout, DNS or TLS handshake failure), whatever its method and whatever
 *   `retryIdempotent` says: the node saw nothing, so nothing can happen twice (nginx's
 *   `proxy_next_upstream error`, Envoy's `connect-failure`);
 * - an idempotent request after a connection failure once sent (reset or closed before
 *   the response head), when the deployment has `retryIdempotent`.
 * Every outcome ends in exactly one of: a relayed response, a JSON error, or a
 * destroyed connection.
 */
export class Exchange implements RelayEvents {
  node: UpstreamNode | undefined;
  retried = false;
  /** performance.now() when the upstream answered (0 if it did not). */
  upstreamMs = 0;
  private handle: ForwardHandle | undefined;
  private sentAt = 0;
  private settled = false;

  constructor(
    private readonly services: ExchangeServices,
    private readonly res: ServerResponse,
    private readonly deployment: CompiledDeployment,
    private readonly request: UpstreamRequest,
    private readonly requestHasBody: boolean,
  ) {}

  start(): void {
    const node = this.deployment.pool.pick();
    if (!node) {
      this.settled = true;
      sendError(this.res, new GatehouseError('no_healthy_node'), this.request.requestId, this.requestHasBody);
      return;
    }
    this.send(node);
  }

  /** The client went away: stop the upstream exchange. */
  cancel(): void {
    if (!this.settled) this.handle?.cancel(new ClientGoneError('client closed the connection'));
  }

  private send(node: UpstreamNode): void {
    this.node = node;
    node.inFlight++;
    this.sentAt = performance.now();
    this.handle = forward(node.client, this.request, this.res, this);
  }

  onResponseStart(): void {
    this.node?.recordSuccess();
    this.upstreamMs = performance.now() - this.sentAt;
    this.deployment.metrics.upstream.observe(this.upstreamMs / 1000);
  }

  onComplete(): void {
    this.settled = true;
    if (this.node) this.node.inFlight--;
  }

  onFailure(failure: ForwardFailure, responseStarted: boolean): void {
    const node = this.node;
    if (node) {
      node.inFlight--;
      if (failure.connectionFailure && node.recordConnectionFailure(this.services.clock.now()))
        this.services.pools.recordEjection(this.deployment.infrastructureId, node);
    }
    if (failure.code === 'client_gone') {
      this.settled = true;
      return;
    }
    this.deployment.metrics.upstreamFailure(failure.reason);
    if (failure.tlsError !== undefined)
      this.services.logger.warn(
        { infrastructure: this.deployment.infrastructureId, node: node?.url, error: failure.tlsError },
        'TLS with the upstream node failed',
      );
    if (!responseStarted && this.mayRetry(failure)) {
      const next = this.deployment.pool.pick(node);
      if (next) {
        this.retried = true;
        this.deployment.metrics.retry();
        this.send(next);
        return;
      }
    }
    this.settled = true;
    if (responseStarted) this.res.destroy();
    else sendError(this.res, new GatehouseError(failure.code), this.request.requestId, this.requestHasBody);
  }

  private mayRetry(failure: ForwardFailure): boolean {
    if (
      this.retried ||
      !bodyUntouched(this.request.body) ||
      // The client is gone. (Not req.destroyed: a body that was read to its end into the
      // limit counter auto-destroys the request stream.)
      this.res.destroyed
    )
      return false;
    if (failure.notSent) return true;
    return (
      failure.connectionFailure &&
      this.deployment.retryIdempotent &&
      IDEMPOTENT_METHODS.has(this.request.method)
    );
  }
}
