/**
 * The listeners: the data plane (plain HTTP, or TLS with HTTP/2 by ALPN, plus an
 * optional plain-HTTP listener beside a TLS one) and the admin listener (plain or TLS),
 * opened on their configured addresses; closing them; their URLs.
 */
import type { RequestListener } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import type { GatehouseConfig } from '../config/schema.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/log.js';
import { handleClientError } from '../server/client-error.js';
import type { DataPlane } from '../server/data-plane.js';
import type { DecisionServices } from '../server/decisions.js';
import { createListenerServer, type ListenerServer } from '../tls/listener-server.js';
import { listenerTls, listenerTlsWarnings } from '../tls/listeners.js';
import { startDecisionListener } from './decision-listener.js';
import { closeServer, listen, urlOf } from './sockets.js';

export interface Listeners {
  readonly data: ListenerServer;
  /** The plain-HTTP data-plane listener beside a TLS one (`server.dataPlane.plainHttp`). */
  readonly plain: ListenerServer | undefined;
  readonly admin: ListenerServer;
  /** The forward-auth decision listener (`server.decisions`), when configured. */
  readonly decisions: HttpServer | undefined;
  readonly dataPlaneUrl: string;
  readonly decisionsUrl: string;
  readonly plainDataPlaneUrl: string;
  readonly adminUrl: string;
}

export interface ListenerDeps {
  /** The configuration file's folder (relative certificate paths). */
  readonly baseDir: string;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}

/**
 * Opens the data-plane listener(s) (the DataPlane handlers, timeouts from
 * `server.dataPlane`, TLS from `server.dataPlane.tls`) and the admin listener (the
 * Express app, TLS from `server.admin.tls`). If one cannot listen, those already
 * listening are closed again.
 */
export async function openListeners(
  config: GatehouseConfig,
  handlers: { dataPlane: DataPlane; admin: RequestListener; decisions: DecisionServices },
  deps: ListenerDeps,
): Promise<Listeners> {
  const { dataPlane, admin } = handlers;
  const dp = config.server.dataPlane;
  const dataHandlers = {
    request: dataPlane.handleRequest,
    checkContinue: dataPlane.handleCheckContinue,
    upgrade: dataPlane.handleUpgrade,
    connect: dataPlane.handleConnect,
    clientError: handleClientError,
  };
  const options = {
    keepAliveTimeout: dp.keepAliveTimeoutMs,
    headersTimeout: dp.headersTimeoutMs,
    // Request bodies have per-deployment deadlines (requestTimeoutMs) in the data plane.
    requestTimeout: 0,
    // Node checks headersTimeout on this sweep (default every 30 s, so a slow client
    // kept its socket up to 30 s longer). One timer per server; twice a second keeps
    // the timeout within half a second (it fired up to a whole interval late at 1 s).
    connectionsCheckingInterval: Math.min(500, Math.ceil(dp.headersTimeoutMs / 2)),
  };
  const data = createListenerServer(options, dataHandlers, listenerTls('dataPlane', dp.tls, deps));
  const plain = dp.tls && dp.plainHttp ? createListenerServer(options, dataHandlers, undefined) : undefined;
  for (const listener of [data, plain]) if (listener) seeEveryHeader(listener);
  const adminServer = createListenerServer(
    {},
    { request: admin },
    listenerTls('admin', config.server.admin.tls, deps),
  );
  for (const warning of listenerTlsWarnings(config)) deps.logger.warn(warning);
  const opened: Server[] = [];
  const open = async (listener: ListenerServer, port: number, host: string): Promise<string> => {
    const url = urlOf(await listen(listener.server, port, host), listener.protocol);
    opened.push(listener.server);
    return url;
  };
  try {
    const dataPlaneUrl = await open(data, dp.port, dp.host);
    const plainDataPlaneUrl =
      plain && dp.plainHttp ? await open(plain, dp.plainHttp.port, dp.plainHttp.host) : '';
    const adminUrl = await open(adminServer, config.server.admin.port, config.server.admin.host);
    const decisions = await startDecisionListener(config, handlers.decisions);
    if (decisions) opened.push(decisions.server);
    return {
      data,
      plain,
      admin: adminServer,
      decisions: decisions?.server,
      dataPlaneUrl,
      plainDataPlaneUrl,
      adminUrl,
      decisionsUrl: decisions?.url ?? '',
    };
  } catch (err) {
    for (const listener of [data, plain, adminServer]) listener?.reloader?.stop();
    await Promise.all(opened.map(closeServer));
    throw err;
  }
}

/**
 * Node keeps only the first 2000 header entries (about 1000 headers) in `req.headers` and
 * drops the rest without an error, while its parser still frames the body by all of
 * them: a Transfer-Encoding or Content-Length behind 1000 filler lines went unseen, so the
 * body was never counted against maxBodyBytes or requestTimeoutMs (and never forwarded).
 * With no count limit the handler sees every header the parser saw; their total size
 * stays bounded by Node's header size limit (16 KiB). Set on the server object: the HTTP/1
 * side of an HTTP/2 server reads it from there too.
 */
function seeEveryHeader(listener: ListenerServer): void {
  (listener.server as unknown as { maxHeadersCount: number }).maxHeadersCount = 0;
}
