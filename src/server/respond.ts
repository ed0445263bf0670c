import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { errorBody, type GatehouseError } from '../errors.js';

/**
 * Writes a Gatehouse error as JSON. When the client's request body was not read,
 * `closeConnection` makes Node close the connection after the answer instead of
 * reading the rest of the body. If a response is already under way the connection is
 * destroyed: a truncated response is the only honest signal left.
 */
export function sendError(
  res: ServerResponse,
  error: GatehouseError,
  requestId: string,
  closeConnection = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error, requestId));
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
    ...error.headers,
  };
  if (closeConnection) headers.connection = 'close';
  res.writeHead(error.status, headers);
  res.end(body);
}

/** The same answer on a raw socket, for refused WebSocket upgrades; the socket is then closed. */
export function sendErrorOnSocket(socket: Duplex, error: GatehouseError, requestId: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error, requestId));
  let head = `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n`;
  head += 'content-type: application/json; charset=utf-8\r\n';
  head += `content-length: ${Buffer.byteLength(body)}\r\n`;
  head += `x-request-id: ${requestId}\r\n`;
  for (const [name, value] of Object.entries(error.headers ?? {})) head += `${name}: ${value}\r\n`;
  head += 'connection: close\r\n\r\n';
  socket.end(head + body);
}
