/**
 * The listeners: the data plane (plain HTTP, or TLS with HTTP/2 by ALPN, plus an
 * optional plain-HTTP listener beside a TLS one) and the admin listener (plain or TLS),
 * opened on their configured addresses; closing them; their URLs.
 */
import type { RequestListener } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { GatehouseConfig } from '../config/schema.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/log.js';
import { handleClientError } from '../server/client-error.js';
import type { DataPlane } from '../server/data-plane.js';
import { createListenerServer, type ListenerServer } from '../tls/listener-server.js';
import { listenerTls, listenerTlsWarnings } from '../tls/listeners.js';

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A URL a local client can use for a listening address (wildcards become loopback). */
export function urlOf(address: AddressInfo, protocol: 'http' | 'https' = 'http'): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${protocol}://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
}

export interface Listeners {
  readonly data: ListenerServer;
  /** The plain-HTTP data-plane listener beside a TLS one (`server.dataPlane.plainHttp`). */
  readonly plain: ListenerServer | undefined;
  readonly admin: ListenerServer;
  readonly dataPlaneUrl: string;
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
  dataPlane: DataPlane,
  admin: RequestListener,
  deps: ListenerDeps,
): Promise<Listeners> {
  const dp = config.server.dataPlane;
  const handlers = {
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
  const data = createListenerServer(options, handlers, listenerTls('dataPlane', dp.tls, deps));
  const plain = dp.tls && dp.plainHttp ? createListenerServer(options, handlers, undefined) : undefined;
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
    return { data, plain, admin: adminServer, dataPlaneUrl, plainDataPlaneUrl, adminUrl };
  } catch (err) {
    for (const listener of [data, plain, adminServer]) listener?.reloader?.stop();
    await Promise.all(opened.map(closeServer));
    throw err;
  }
}
