/**
 * The only module that imports undici. One keep-alive Pool per upstream node; HTTP
 * requests and upgrades (WebSocket handshakes) both go through it, so both are sent with
 * the node's connect timeout and counted, balanced and ejected alike. The relays
 * (response-relay.ts, upgrade-relay.ts) are undici dispatch handlers.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import type { DeadlineSweep } from './deadline-sweep.js';
import type { ForwardHandle, RelayEvents, UpstreamRequest } from './relay.js';
import { ResponseRelay } from './response-relay.js';
import { UpgradeRelay } from './upgrade-relay.js';

/** TLS to an `https://` node (src/tls/upstream-tls.ts builds it from the infrastructure's `tls`). */
export interface UpstreamTlsOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
}

export interface NodeClientOptions {
  readonly origin: string;
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly tls?: UpstreamTlsOptions;
}

/** A connection pool to one upstream node. */
export interface NodeClient {
  readonly origin: string;
  /** Waits for in-flight requests, then closes connections. */
  close(): Promise<void>;
}

class UndiciNodeClient implements NodeClient {
  readonly pool: Pool;
  constructor(
    readonly origin: string,
    options: NodeClientOptions,
  ) {
    this.pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs, 600_000),
      strictContentLength: true,
      connect: { timeout: options.connectTimeoutMs, ...options.tls },
    });
  }
  async close(): Promise<void> {
    await this.pool.close();
  }
}

export function createNodeClient(options: NodeClientOptions): NodeClient {
  return new UndiciNodeClient(options.origin, options);
}

/**
 * undici's own response and body timeouts are off (0): the relays keep them on the
 * deadline sweep instead (relay-base.ts). With two different values, undici swapped its
 * connection's timer object twice per request, and those objects lived long enough to be
 * promoted to the old generation.
 */
const UNDICI_TIMEOUTS_OFF = 0;

/** Sends `request` to the node and relays the answer into `res`. */
export function forward(
  client: NodeClient,
  request: UpstreamRequest,
  res: ServerResponse,
  events: RelayEvents,
  deadlines: DeadlineSweep,
): ForwardHandle {
  const relay = new ResponseRelay(res, request, events, deadlines);
  (client as UndiciNodeClient).pool.dispatch(
    {
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: UNDICI_TIMEOUTS_OFF,
      bodyTimeout: UNDICI_TIMEOUTS_OFF,
    },
    relay,
  );
  return relay;
}

/**
 * Sends an upgrade request (`protocol`: the Upgrade value, e.g. "websocket") to the node
 * and, once it switches protocols, joins its connection to `socket`.
 */
export function forwardUpgrade(
  client: NodeClient,
  request: UpstreamRequest,
  protocol: string,
  socket: Duplex,
  head: Buffer,
  events: RelayEvents,
  deadlines: DeadlineSweep,
): ForwardHandle {
  const relay = new UpgradeRelay(socket, head, request, events, deadlines);
  (client as UndiciNodeClient).pool.dispatch(
    {
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: null,
      upgrade: protocol,
      headersTimeout: UNDICI_TIMEOUTS_OFF,
      bodyTimeout: UNDICI_TIMEOUTS_OFF,
    },
    relay,
  );
  return relay;
}

export interface ProbeResult {
  readonly status?: number;
  readonly error?: string;
}

/** A health-check GET through the node's pool; never throws. */
export async function probe(client: NodeClient, path: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await (client as UndiciNodeClient).pool.request({
      path,
      method: 'GET',
      headers: { 'user-agent': 'gatehouse-health-check' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body.dump({ limit: 64 * 1024 });
    return { status: response.statusCode };
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
    return { error: code };
  }
}
