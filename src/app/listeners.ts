/** The two listeners: opening them on their configured addresses, closing, their URLs. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatehouseConfig } from '../config/schema.js';
import { handleClientError } from '../server/client-error.js';
import type { DataPlane } from '../server/data-plane.js';

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
export function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
}

export interface Listeners {
  readonly data: Server;
  readonly admin: Server;
  readonly dataPlaneUrl: string;
  readonly adminUrl: string;
}

/**
 * Opens the data-plane listener (a plain node:http server on the DataPlane handlers,
 * timeouts from `server.dataPlane`) and the admin listener (the Express app). If the
 * second cannot listen, the first is closed again.
 */
export async function openListeners(
  config: GatehouseConfig,
  dataPlane: DataPlane,
  admin: RequestListener,
): Promise<Listeners> {
  const dp = config.server.dataPlane;
  const data = createServer(
    {
      keepAliveTimeout: dp.keepAliveTimeoutMs,
      headersTimeout: dp.headersTimeoutMs,
      // Request bodies have per-deployment deadlines (requestTimeoutMs) in the data plane.
      requestTimeout: 0,
      // Node checks headersTimeout on this sweep (default every 30 s, so a slow client
      // kept its socket up to 30 s longer). One timer per server; twice a second keeps
      // the timeout within half a second (it fired up to a whole interval late at 1 s).
      connectionsCheckingInterval: Math.min(500, Math.ceil(dp.headersTimeoutMs / 2)),
    },
    dataPlane.handleRequest,
  );
  data.on('checkContinue', dataPlane.handleCheckContinue);
  data.on('upgrade', dataPlane.handleUpgrade);
  data.on('connect', dataPlane.handleConnect);
  data.on('clientError', handleClientError);
  const adminServer = createServer(admin);
  const dataPlaneUrl = urlOf(await listen(data, dp.port, dp.host));
  let adminUrl: string;
  try {
    adminUrl = urlOf(await listen(adminServer, config.server.admin.port, config.server.admin.host));
  } catch (err) {
    await closeServer(data);
    throw err;
  }
  return { data, admin: adminServer, dataPlaneUrl, adminUrl };
}
