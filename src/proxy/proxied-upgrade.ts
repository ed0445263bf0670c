/**
 * One admitted upgrade (a WebSocket handshake) on its way upstream: the same exchange as
 * an HTTP request (retrying-exchange.ts: node pick, in-flight count for the tunnel's
 * life, passive ejection, one retry of a handshake that never left), relayed over the
 * client's raw socket (upgrade-relay.ts).
 */
import type { Duplex } from 'node:stream';
import type { GatehouseError } from '../errors.js';
import { forwardUpgrade, type NodeClient } from './forwarder.js';
import type { ForwardHandle, RelayEvents, UpstreamRequest } from './relay.js';
import { RetryingExchange, type ClientEnd } from './retrying-exchange.js';
import type { ProxyContext, ProxyTarget } from './upstream-proxy.js';

export class ProxiedUpgrade implements ClientEnd {
  readonly exchange: RetryingExchange;
  readonly body = null;
  /** Status Gatehouse answered with itself (0 while none). */
  answeredStatus = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly socket: Duplex,
    private readonly head: Buffer,
    private readonly protocol: string,
    target: ProxyTarget,
    private readonly request: UpstreamRequest,
  ) {
    this.exchange = new RetryingExchange(ctx.services, target, this);
  }

  get requestId(): string {
    return this.request.requestId;
  }

  get method(): string {
    return this.request.method;
  }

  get gone(): boolean {
    return this.socket.destroyed;
  }

  /** The status the client got: the upstream's (101 once upgraded) or Gatehouse's own. */
  get status(): number {
    return this.exchange.status || this.answeredStatus;
  }

  start(): void {
    this.exchange.start();
  }

  /** The client left before the handshake was answered. */
  cancel(): void {
    this.exchange.cancel();
  }

  attempt(client: NodeClient, events: RelayEvents): ForwardHandle {
    return forwardUpgrade(
      client,
      this.request,
      this.protocol,
      this.socket,
      this.head,
      events,
      this.ctx.deadlines,
    );
  }

  fail(error: GatehouseError): void {
    this.answeredStatus = error.status;
    this.ctx.answers.answerOnSocket(this.socket, error, this.request.requestId);
  }

  cut(): void {
    this.socket.destroy();
  }
}
