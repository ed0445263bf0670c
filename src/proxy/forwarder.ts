/**
 * The only module that imports undici. One keep-alive Pool per upstream node; requests
 * are relayed with a raw dispatch handler that streams the response straight into the
 * client's ServerResponse with backpressure, so no body is ever buffered.
 *
 * The handler uses undici's raw (onConnect/onHeaders/onData) interface: undici calls it
 * without an adapter and hands over the raw header buffers, which the proxy needs
 * anyway to filter hop-by-hop headers.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { classifyFailure, type ForwardFailure } from './forward-failure.js';
import { buildClientResponseHeaders } from './request-headers.js';

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

class InvalidUpstreamResponseError extends Error {
  readonly code = 'GATEHOUSE_INVALID_UPSTREAM_RESPONSE';
}

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query as sent to the node. */
  readonly path: string;
  readonly headers: string[];
  readonly body: Readable | null;
  readonly responseTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly requestId: string;
}

export interface RelayEvents {
  /** The upstream answered with a final status; its head has been written to the client. */
  onResponseStart(status: number): void;
  /** The whole response has been relayed. */
  onComplete(): void;
  /** Forwarding failed; `responseStarted` tells whether the client already has a status line. */
  onFailure(failure: ForwardFailure, responseStarted: boolean): void;
}

/** Relays one upstream exchange into a ServerResponse. */
class ResponseRelay implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | undefined;
  private pendingCancel: Error | undefined;
  private resumeUpstream: (() => void) | undefined;
  private started = false;
  /** undici handed the request to a connection: from here on, bytes of it may be on the wire. */
  private sent = false;
  private finished = false;
  /** Created on first backpressure only: most responses never need it. */
  private onDrain: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly requestId: string,
    private readonly events: RelayEvents,
  ) {}

  cancel(reason: Error): void {
    if (this.finished) return;
    if (this.abortUpstream) this.abortUpstream(reason);
    else this.pendingCancel = reason;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.sent = true;
    this.abortUpstream = abort;
    if (this.pendingCancel) abort(this.pendingCancel);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx informational: not relayed
    try {
      this.res.writeHead(status, buildClientResponseHeaders(rawHeaders, this.requestId));
    } catch {
      // A header Node refuses to write: answer 502 instead of relaying a broken head.
      this.res.removeHeader('content-length');
      this.abortUpstream?.(new InvalidUpstreamResponseError());
      return false;
    }
    this.started = true;
    this.resumeUpstream = resume;
    this.events.onResponseStart(status);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.onDrain ??= () => this.resumeUpstream?.();
    this.res.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.finished = true;
    this.res.end();
    this.events.onComplete();
  }

  onError(err: Error): void {
    this.finished = true;
    this.events.onFailure(classifyFailure(err, this.started, this.sent), this.started);
  }
}

export interface ForwardHandle {
  /** Stop the upstream exchange (the client went away). */
  cancel(reason: Error): void;
}

/** Sends `request` to the node and relays the answer into `res`. */
export function forward(
  client: NodeClient,
  request: UpstreamRequest,
  res: ServerResponse,
  events: RelayEvents,
): ForwardHandle {
  const relay = new ResponseRelay(res, request.requestId, events);
  (client as UndiciNodeClient).pool.dispatch(
    {
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: request.responseTimeoutMs,
      bodyTimeout: request.idleTimeoutMs,
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
