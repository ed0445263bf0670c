/**
 * Listener servers, plain or TLS, behind one small interface so the composition root
 * starts, drains and closes them alike: node:http for plain HTTP, node:https for TLS,
 * node:http2 (`allowHTTP1`, ALPN h2 then http/1.1) for the data plane with HTTP/2.
 * The TLS ones take their options from a CertificateReloader, which then keeps their
 * certificates current.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
} from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CertificateReloader } from './certificate-reloader.js';
import { acceptingHttp2 } from './http2-request.js';

export interface ListenerServer {
  readonly server: NetServer;
  readonly protocol: 'http' | 'https';
  readonly reloader: CertificateReloader | undefined;
  /** Closes connections with nothing in flight (HTTP/2: GOAWAY, closed once their streams end). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

export interface ListenerTls {
  readonly reloader: CertificateReloader;
  /** Offer HTTP/2 by ALPN. */
  readonly http2: boolean;
}

export interface ListenerHandlers {
  readonly request: RequestListener;
  readonly checkContinue?: RequestListener;
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly connect?: (req: IncomingMessage, socket: Duplex) => void;
  readonly clientError?: (err: Error, socket: Duplex) => void;
}

function attachHandlers(server: NetServer, handlers: ListenerHandlers, http2: boolean): void {
  const wrap = (h: RequestListener) => (http2 ? acceptingHttp2(h) : h);
  if (handlers.checkContinue) server.on('checkContinue', wrap(handlers.checkContinue));
  if (handlers.upgrade) server.on('upgrade', handlers.upgrade);
  if (handlers.connect) server.on('connect', handlers.connect);
  if (handlers.clientError) server.on('clientError', handlers.clientError);
}

/** An HTTP/1.1 server, over TLS (and HTTP/2 when asked) when `tls` is given. */
export function createListenerServer(
  options: ServerOptions,
  handlers: ListenerHandlers,
  tls: ListenerTls | undefined,
): ListenerServer {
  if (!tls || !tls.http2) {
    const server = tls
      ? createHttpsServer({ ...options, ...tls.reloader.serverOptions() }, handlers.request)
      : createHttpServer(options, handlers.request);
    attachHandlers(server, handlers, false);
    tls?.reloader.attach(server as HttpsServer);
    return fromHttpServer(server, tls ? 'https' : 'http', tls?.reloader);
  }
  const server = createSecureServer(
    { ...tls.reloader.serverOptions(), allowHTTP1: true },
    acceptingHttp2(handlers.request),
  );
  attachHandlers(server, handlers, true);
  // HTTP/1.1 connections on this server follow the same timeouts as the plain one.
  if (options.keepAliveTimeout !== undefined)
    (server as unknown as { keepAliveTimeout: number }).keepAliveTimeout = options.keepAliveTimeout;
  if (options.headersTimeout !== undefined)
    (server as unknown as { headersTimeout: number }).headersTimeout = options.headersTimeout;
  tls.reloader.attach(server);
  return fromHttp2Server(server, tls.reloader);
}

function fromHttpServer(
  server: Server,
  protocol: 'http' | 'https',
  reloader: CertificateReloader | undefined,
): ListenerServer {
  return {
    server,
    protocol,
    reloader,
    closeIdleConnections: () => server.closeIdleConnections(),
    closeAllConnections: () => server.closeAllConnections(),
  };
}

/** Http2SecureServer has no connection tracking of its own: sessions and sockets are tracked here. */
function fromHttp2Server(server: Http2SecureServer, reloader: CertificateReloader): ListenerServer {
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server,
    protocol: 'https',
    reloader,
    closeIdleConnections: () => {
      for (const session of sessions) if (!session.closed) session.close();
    },
    closeAllConnections: () => {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
