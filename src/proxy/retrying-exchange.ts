/**
 * One request's trip to the nodes of its deployment: pick a node (the pool's balancing),
 * count it in flight on that node until the exchange ends (for an upgrade: until the
 * tunnel closes, so least-connections sees WebSockets), record success or a connection
 * failure (passive ejection), and retry once on another node when the first attempt
 * failed before any response and no byte of the body was read:
 * - a request that never left Gatehouse (no connection was established for it: refused,
 *   connect timeout, DNS or TLS handshake failure), whatever its method and whatever
 *   `retryIdempotent` says: the node saw nothing, so nothing can happen twice (nginx's
 *   `proxy_next_upstream error`, Envoy's `connect-failure`);
 * - an idempotent request after a connection failure once sent (reset or closed before
 *   the response head), when the deployment has `retryIdempotent`.
 * Every outcome ends in exactly one of: a relayed response, a JSON error, or a
 * destroyed connection. The client end (an HTTP response or an upgraded socket) is
 * behind ClientEnd, so HTTP and upgrades share this loop.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../clock.js';
import { GatehouseError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { DeploymentMetrics } from '../observability/metrics.js';
import { ClientGoneError, type ForwardFailure } from './forward-failure.js';
import type { NodeClient } from './forwarder.js';
import type { PoolRegistry } from './pool-registry.js';
import type { ForwardHandle, RelayEvents } from './relay.js';
import type { UpstreamNode, UpstreamPool } from './upstream-pool.js';

/** The errors an exchange ends with, built once (their answers are rendered once too). */
const FAILED = {
  no_healthy_node: Object.freeze(new GatehouseError('no_healthy_node')),
  bad_gateway: Object.freeze(new GatehouseError('bad_gateway')),
  upstream_timeout: Object.freeze(new GatehouseError('upstream_timeout')),
  body_too_large: Object.freeze(new GatehouseError('body_too_large')),
} as const;

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export interface ExchangeServices {
  readonly clock: Clock;
  readonly pools: PoolRegistry;
  readonly logger: Logger;
}

/** What the exchange needs of the deployment: its nodes, retry rule and metrics. */
export interface ExchangeTarget {
  readonly id: string;
  readonly infrastructureId: string;
  readonly pool: UpstreamPool;
  readonly retryIdempotent: boolean;
  readonly metrics: DeploymentMetrics;
}

/** The client side of an exchange: where attempts relay to and errors are answered. */
export interface ClientEnd {
  readonly requestId: string;
  readonly method: string;
  /** The request body as sent upstream (null when there is none). */
  readonly body: Readable | null;
  /** The client is gone: nothing more to send it. */
  readonly gone: boolean;
  /** Starts one attempt on a node, relaying its answer to the client. */
  attempt(client: NodeClient, events: RelayEvents): ForwardHandle;
  /** No answer has started: answer with a JSON error. */
  fail(error: GatehouseError): void;
  /** An answer had started: cut the connection, the only honest signal left. */
  cut(): void;
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

export class RetryingExchange implements RelayEvents {
  node: UpstreamNode | undefined;
  retried = false;
  /** Status the upstream answered with (0 while none). */
  status = 0;
  /** Milliseconds until the upstream answered (0 if it did not). */
  upstreamMs = 0;
  private handle: ForwardHandle | undefined;
  private sentAt = 0;
  private settled = false;

  constructor(
    private readonly services: ExchangeServices,
    private readonly target: ExchangeTarget,
    private readonly end: ClientEnd,
  ) {}

  start(): void {
    const node = this.target.pool.pick();
    if (!node) {
      this.settled = true;
      this.end.fail(FAILED.no_healthy_node);
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
    this.handle = this.end.attempt(node.client, this);
  }

  onResponseStart(status: number): void {
    this.status = status;
    this.node?.recordSuccess();
    this.upstreamMs = performance.now() - this.sentAt;
    this.target.metrics.upstream.observe(this.upstreamMs / 1000);
  }

  onComplete(): void {
    this.settled = true;
    if (this.node) this.node.inFlight--;
  }

  onTunnelError(err: Error, side: 'client' | 'upstream'): void {
    const level = side === 'upstream' ? 'warn' : 'debug';
    this.services.logger[level](
      { err, side, requestId: this.end.requestId, deployment: this.target.id, node: this.node?.url },
      'upgraded connection failed',
    );
  }

  onFailure(failure: ForwardFailure, responseStarted: boolean): void {
    const node = this.node;
    if (node) {
      node.inFlight--;
      if (failure.connectionFailure && node.recordConnectionFailure(this.services.clock.now()))
        this.services.pools.recordEjection(this.target.infrastructureId, node);
    }
    if (failure.code === 'client_gone') {
      this.settled = true;
      return;
    }
    this.target.metrics.upstreamFailure(failure.reason);
    if (failure.tlsError !== undefined)
      this.services.logger.warn(
        { infrastructure: this.target.infrastructureId, node: node?.url, error: failure.tlsError },
        'TLS with the upstream node failed',
      );
    if (!responseStarted && this.mayRetry(failure)) {
      const next = this.target.pool.pick(node);
      if (next) {
        this.retried = true;
        this.target.metrics.retry();
        this.send(next);
        return;
      }
    }
    this.settled = true;
    if (responseStarted) this.end.cut();
    else this.end.fail(FAILED[failure.code]);
  }

  private mayRetry(failure: ForwardFailure): boolean {
    if (this.retried || !bodyUntouched(this.end.body) || this.end.gone) return false;
    if (failure.notSent) return true;
    return (
      failure.connectionFailure && this.target.retryIdempotent && IDEMPOTENT_METHODS.has(this.end.method)
    );
  }
}
