/**
 * Relays one upstream HTTP exchange into the client's ServerResponse with backpressure,
 * so no body is ever buffered. It is an undici dispatch handler of the raw
 * (onConnect/onHeaders/onData) kind: undici calls it without an adapter and hands over
 * the raw header buffers, which the proxy needs anyway to filter hop-by-hop headers.
 */
import type { ServerResponse } from 'node:http';
import type { DeadlineSweep } from './deadline-sweep.js';
import { RelayBase } from './relay-base.js';
import { InvalidUpstreamResponseError, type RelayEvents, type UpstreamRequest } from './relay.js';
import { buildClientResponseHeaders } from './request-headers.js';

export class ResponseRelay extends RelayBase {
  constructor(
    private readonly res: ServerResponse,
    request: UpstreamRequest,
    events: RelayEvents,
    deadlines: DeadlineSweep,
  ) {
    super(res, request, events, deadlines);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) {
      // 1xx informational: not relayed.
      this.interimResponse();
      return true;
    }
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
    this.receivingBody();
    this.events.onResponseStart(status);
    return true;
  }
}
