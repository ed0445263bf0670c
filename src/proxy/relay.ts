/**
 * What one attempt at a node is made of, shared by the HTTP relay and the upgrade relay:
 * the request as sent upstream, the events the attempt reports, and the handle that
 * stops it. No undici import: the relays are undici dispatch handlers by shape only.
 */
import type { Readable } from 'node:stream';
import type { ForwardFailure } from './forward-failure.js';

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query as sent to the node. */
  readonly path: string;
  readonly headers: string[];
  readonly body: Readable | null;
  /** Longest wait for the response head, after the request (body included) stopped arriving. */
  readonly responseTimeoutMs: number;
  /** Longest silence between two chunks of the response body. */
  readonly idleTimeoutMs: number;
  /** The request body as it arrives from the client (null: none, or not streamed from it). */
  readonly bodyProgress: BodyProgress | null;
  readonly requestId: string;
}

/** How far a streamed request body has come: every chunk restarts the response timeout. */
export interface BodyProgress {
  /** performance.now() of the last chunk received from the client (0: none yet). */
  readonly lastChunkAt: number;
}

export interface RelayEvents {
  /** The upstream answered with a final status (101 for an upgrade); its head was written to the client. */
  onResponseStart(status: number): void;
  /** The whole response has been relayed (for an upgrade: the tunnel has closed). */
  onComplete(): void;
  /** Forwarding failed; `responseStarted` tells whether the client already has a status line. */
  onFailure(failure: ForwardFailure, responseStarted: boolean): void;
  /** A tunnelled connection failed after the upgrade (logged; both sides are closed). */
  onTunnelError?(err: Error, side: 'client' | 'upstream'): void;
}

export interface ForwardHandle {
  /** Stop the upstream exchange (the client went away). */
  cancel(reason: Error): void;
}

export class InvalidUpstreamResponseError extends Error {
  readonly code = 'GATEHOUSE_INVALID_UPSTREAM_RESPONSE';
}
