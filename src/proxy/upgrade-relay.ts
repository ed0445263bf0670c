/**
 * Relays one upgrade (WebSocket handshake) through a node's pool: an undici dispatch
 * handler with `onUpgrade`. On `101` the client gets the upstream's handshake answer
 * and the two sockets are joined until either side closes; any other answer (a 403 from
 * the node, say) is relayed over the client's socket like a response, then the socket
 * is closed. Tunnel errors are reported, never swallowed.
 */
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DeadlineSweep } from './deadline-sweep.js';
import { ClientGoneError, classifyFailure } from './forward-failure.js';
import { RelayBase } from './relay-base.js';
import type { RelayEvents, UpstreamRequest } from './relay.js';
import { buildClientResponseHeaders } from './request-headers.js';

function headOf(status: number, headers: readonly string[], extra: string): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}${extra}\r\n`;
}

/** The upstream's Upgrade value (the protocol it switched to). */
function upgradeValue(raw: readonly Buffer[]): string {
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as Buffer).toString('latin1').toLowerCase() === 'upgrade')
      return (raw[i + 1] as Buffer).toString('latin1');
  return 'websocket';
}

function tune(socket: Duplex): void {
  if (!(socket instanceof Socket)) return;
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 0);
}

export class UpgradeRelay extends RelayBase {
  private upstream: Duplex | undefined;

  constructor(
    private readonly client: Duplex,
    /** Bytes the client sent after its request head, for the upstream once upgraded. */
    private readonly head: Buffer,
    request: UpstreamRequest,
    events: RelayEvents,
    deadlines: DeadlineSweep,
  ) {
    super(client, request, events, deadlines);
  }

  /** Once tunnelled, stopping means closing the tunnel. */
  override cancel(reason: Error): void {
    if (this.upstream) this.upstream.destroy();
    else super.cancel(reason);
  }

  onUpgrade(status: number, rawHeaders: Buffer[] | string[] | null, upstream: Duplex): void {
    this.started = true;
    this.settle();
    const client = this.client;
    upstream.on('error', (err: Error) => this.events.onTunnelError?.(err, 'upstream'));
    if (client.destroyed || !client.writable) {
      upstream.destroy();
      this.events.onFailure(classifyFailure(new ClientGoneError('client closed the connection'), true), true);
      return;
    }
    this.upstream = upstream;
    client.on('error', (err: Error) => this.events.onTunnelError?.(err, 'client'));
    tune(client);
    tune(upstream);
    const raw = (rawHeaders ?? []).map((h) => (typeof h === 'string' ? Buffer.from(h, 'latin1') : h));
    const headers = buildClientResponseHeaders(raw, this.requestId);
    client.write(
      headOf(status, headers, `connection: Upgrade\r\nupgrade: ${upgradeValue(raw)}\r\n`),
      'latin1',
    );
    if (this.head.length > 0) upstream.write(this.head);
    let open = 2;
    const closed = (): void => {
      if (--open === 0) this.events.onComplete();
    };
    upstream.once('close', () => {
      client.destroy();
      closed();
    });
    client.once('close', () => {
      upstream.destroy();
      closed();
    });
    upstream.pipe(client);
    client.pipe(upstream);
    this.events.onResponseStart(status);
  }

  /** The node answered without upgrading: relayed as a plain response, then the socket closes. */
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) {
      this.interimResponse();
      return true;
    }
    this.started = true;
    this.resumeUpstream = resume;
    this.receivingBody();
    const headers = buildClientResponseHeaders(rawHeaders, this.requestId);
    this.client.write(headOf(status, headers, 'connection: close\r\n'), 'latin1');
    this.events.onResponseStart(status);
    return true;
  }
}
