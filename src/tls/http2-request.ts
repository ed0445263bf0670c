/**
 * HTTP/2 requests through the HTTP/1.1 data-plane handler. Node's compatibility API
 * hands the handler Http2ServerRequest objects whose header list carries the pseudo-
 * headers (`:method`, `:path`, `:scheme`, `:authority`) and may lack `Host`. Before the
 * handler sees one, the pseudo-headers are removed (they must never be forwarded as
 * fields) and `:authority` becomes `Host` (RFC 9113 8.3.1), so routing, the Host checks
 * and forwarding to HTTP/1.1 upstreams work as for HTTP/1.1. HTTP/2 has no hop-by-hop
 * fields (a request carrying `Connection` is refused by Node itself).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function normalizeHttp2Request(req: Http2ServerRequest): void {
  const headers = req.headers;
  const authority = headers[':authority'];
  for (const name of Object.keys(headers)) if (name.startsWith(':')) delete headers[name];
  if (headers.host === undefined && typeof authority === 'string' && authority !== '')
    headers.host = authority;
  const raw = req.rawHeaders;
  const kept: string[] = [];
  let hasHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.startsWith(':')) continue;
    if (name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
    kept.push(name, raw[i + 1] as string);
  }
  if (!hasHost && typeof headers.host === 'string') kept.push('host', headers.host);
  raw.length = 0;
  for (const item of kept) raw.push(item);
}

/** The data-plane handler for a server that may speak HTTP/2 and HTTP/1.1. */
export function acceptingHttp2(handler: Handler) {
  return (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    if (req.httpVersionMajor === 2) normalizeHttp2Request(req as Http2ServerRequest);
    // The compatibility objects offer what the handler uses (headers, socket, writeHead, events).
    handler(req as IncomingMessage, res as ServerResponse);
  };
}
