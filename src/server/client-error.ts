import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { GatehouseError } from '../errors.js';
import { sendErrorOnSocket } from './respond.js';

/**
 * Requests Node's HTTP parser refuses (oversized headers, malformed request lines)
 * never reach the handler; they still get the JSON error format, then the socket closes.
 */
export function handleClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADERS_TIMEOUT' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new GatehouseError('request_timeout', 'The request headers were not received in time.')
      : new GatehouseError(
          'bad_request',
          err.code === 'HPE_HEADER_OVERFLOW'
            ? 'The request headers are too large.'
            : 'The HTTP request is malformed.',
        );
  sendErrorOnSocket(socket, error, randomUUID());
}
