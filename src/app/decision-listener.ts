/** The decision endpoint's listener (`server.decisions`), started only when configured. */
import { createServer, type Server } from 'node:http';
import type { GatehouseConfig } from '../config/schema.js';
import { closeServer, listen, urlOf } from './sockets.js';
import { handleClientError } from '../server/client-error.js';
import { DecisionEndpoint, type DecisionServices } from '../server/decisions.js';

export async function startDecisionListener(
  config: GatehouseConfig,
  services: DecisionServices,
): Promise<{ server: Server; url: string } | undefined> {
  const listener = config.server.decisions;
  if (!listener) return undefined;
  const dp = config.server.dataPlane;
  const server = createServer(
    { keepAliveTimeout: dp.keepAliveTimeoutMs, headersTimeout: dp.headersTimeoutMs },
    new DecisionEndpoint(services).handleRequest,
  );
  server.on('clientError', handleClientError);
  return { server, url: urlOf(await listen(server, listener.port, listener.host)) };
}

/** Closes the listener and its connections (decisions are short: no drain). */
export async function closeDecisionListener(server: Server): Promise<void> {
  const closed = closeServer(server);
  server.closeAllConnections();
  await closed;
}
