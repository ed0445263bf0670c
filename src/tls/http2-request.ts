/**
 * HTTP/2 requests through the HTTP/1.1 data-plane handler. Node's compatibility API
 * hands the handler Http2ServerRequest objects whose header list carries the pseudo-
 * headers (`:method`, `:path`, `:scheme`, `:authority`) and may lack `Host`. Before the
 * handler sees one, the pseudo-headers are removed (they must never be forwarded as
 * fields) and `:authority` becomes `Host` (RFC 9113 8.3.1), so routing, the Host checks
 * and forwarding to HTTP/1.1 upstreams work as for HTTP/1.1. A request whose `Host` names
 * another authority than `:authority` is malformed (RFC 9113 8.3.1): it is handed on with
 * both as Host lines, which the router refuses with 400, so no host can be routed by one
 * name and read by an upstream or a cache under the other. A body without a length
 * reads as chunked. HTTP/2 has no hop-by-hop fields (Node refuses a request carrying
 * `Connection`), and the response's connection-specific fields are dropped by Node's
 * compatibility layer.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function normalizeHttp2Request(req: Http2ServerRequest): void {
  // The compatibility object reads url and method from its pseudo-headers: keep those
  // intact inside it and give the handler plain copies instead.
  const url = req.url;
  const method = req.method;
  const headers: IncomingHttpHeaders = {};
  const source = req.headers;
  for (const name of Object.keys(source)) if (!name.startsWith(':')) headers[name] = source[name];
  const authority = source[':authority'];
  if (headers.host === undefined && typeof authority === 'string' && authority !== '')
    headers.host = authority;
  // HTTP/2 frames bodies itself: a stream left open after HEADERS has a body, of unknown
  // length unless content-length says. The handler learns of it the HTTP/1.1 way.
  if (!req.stream.endAfterHeaders && headers['content-length'] === undefined)
    headers['transfer-encoding'] = 'chunked';
  const raw = req.rawHeaders;
  const rawHeaders: string[] = [];
  let hasHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.startsWith(':')) continue;
    if (name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
    rawHeaders.push(name, raw[i + 1] as string);
  }
  if (!hasHost && typeof headers.host === 'string') rawHeaders.push('host', headers.host);
  else if (
    typeof authority === 'string' &&
    authority !== '' &&
    !sameAuthority(authority, headers.host, source[':scheme'])
  )
    rawHeaders.push('host', authority);
  Object.defineProperties(req, {
    url: { value: url, writable: true, configurable: true },
    method: { value: method, writable: true, configurable: true },
    headers: { value: headers, writable: true, configurable: true },
    rawHeaders: { value: rawHeaders, writable: true, configurable: true },
  });
}

/** `:authority` and `Host` name the same host and port (a scheme's default port may be left out). */
function sameAuthority(
  authority: string,
  host: string | undefined,
  scheme: string | string[] | undefined,
): boolean {
  if (host === undefined) return true;
  const defaultPort = scheme === 'http' ? ':80' : ':443';
  const plain = (value: string): string => {
    const lower = value.toLowerCase();
    return lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower;
  };
  return plain(authority) === plain(host);
}

/** The data-plane handler for a server that may speak HTTP/2 and HTTP/1.1. */
export function acceptingHttp2(handler: Handler) {
  return (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    if (req.httpVersionMajor === 2) normalizeHttp2Request(req as Http2ServerRequest);
    // The compatibility objects offer what the handler uses (headers, socket, writeHead, events).
    handler(req as IncomingMessage, res as ServerResponse);
  };
}
