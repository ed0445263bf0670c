/**
 * The only module that imports http-proxy: WebSocket upgrades, forwarded after the
 * request was routed and admitted. Headers are replaced wholesale by the sanitised set
 * the data plane computed (identity headers, forwarding headers, no hop-by-hop except
 * the Connection/Upgrade pair the handshake needs).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';

const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, prependPath: false });
// Errors are handled per call through the callback; this keeps stray ones from crashing the process.
proxy.on('error', () => undefined);

export interface WebSocketTarget {
  /** Node origin, e.g. http://10.0.0.5:8000. */
  readonly target: string;
  /** Path and query to request on the node. */
  readonly path: string;
  /** Flat [name, value, ...] list from buildUpstreamHeaders; may contain "host". */
  readonly headers: readonly string[];
  /** Called when the node cannot be reached before the handshake completed. */
  readonly onError: () => void;
}

function toHeaderObject(flat: readonly string[], upgrade: string): IncomingHttpHeaders {
  const headers: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  headers.connection = 'Upgrade';
  headers.upgrade = upgrade;
  return headers;
}

export function proxyWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: WebSocketTarget,
): void {
  const upgrade = req.headers.upgrade ?? 'websocket';
  const headers = toHeaderObject(target.headers, upgrade);
  const preserveHost = headers.host !== undefined;
  req.headers = headers;
  req.url = target.path;
  proxy.ws(req, socket, head, { target: target.target, changeOrigin: !preserveHost }, () => {
    if ((socket as Socket).bytesWritten === 0) target.onError();
    else socket.destroy();
  });
}
