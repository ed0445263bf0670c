/**
 * The one writer of Gatehouse's JSON error answer, for both planes and for raw sockets
 * (refused upgrades, requests Node's parser refused):
 * `{"error","message","requestId"[,"details"]}` with `cache-control: no-store`,
 * `x-content-type-options: nosniff`, `x-request-id` and the error's own headers
 * (WWW-Authenticate, Retry-After, Allow).
 *
 * A frozen error is a prebuilt answer (the gate's denials, the router's refusals): its
 * head and the JSON around the request id are rendered once and reused.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatehouseError } from '../errors.js';

interface RenderedError {
  /** Flat [name, value, ...]: content type, no-store, nosniff and the error's headers. */
  readonly headers: readonly string[];
  /** The JSON body up to the request id's value, and after it. */
  readonly bodyStart: string;
  readonly bodyEnd: string;
}

const rendered = new WeakMap<GatehouseError, RenderedError>();

function render(error: GatehouseError): RenderedError {
  const headers = [
    'content-type',
    'application/json; charset=utf-8',
    'cache-control',
    'no-store',
    'x-content-type-options',
    'nosniff',
  ];
  for (const [name, value] of Object.entries(error.headers ?? {})) headers.push(name, value);
  // The shape of errors.ts errorBody(), split at the request id's value.
  const start = JSON.stringify({ error: error.code, message: error.message });
  return {
    headers,
    bodyStart: `${start.slice(0, -1)},"requestId":`,
    bodyEnd: error.details === undefined ? '}' : `,"details":${JSON.stringify(error.details)}}`,
  };
}

function renderedOf(error: GatehouseError): RenderedError {
  if (!Object.isFrozen(error)) return render(error);
  let known = rendered.get(error);
  if (!known) {
    known = render(error);
    rendered.set(error, known);
  }
  return known;
}

/** The JSON body of an error answer. */
export function errorJson(error: GatehouseError, requestId: string): string {
  const r = renderedOf(error);
  return r.bodyStart + JSON.stringify(requestId) + r.bodyEnd;
}

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
  const r = renderedOf(error);
  const body = r.bodyStart + JSON.stringify(requestId) + r.bodyEnd;
  const headers = [
    ...r.headers,
    'content-length',
    String(Buffer.byteLength(body)),
    'x-request-id',
    requestId,
  ];
  if (closeConnection) headers.push('connection', 'close');
  res.writeHead(error.status, headers);
  res.end(body);
}

/** The same answer on a raw socket, for refused WebSocket upgrades; the socket is then closed. */
export function sendErrorOnSocket(socket: Duplex, error: GatehouseError, requestId: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const r = renderedOf(error);
  const body = r.bodyStart + JSON.stringify(requestId) + r.bodyEnd;
  let head = `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n`;
  for (let i = 0; i < r.headers.length; i += 2) head += `${r.headers[i]}: ${r.headers[i + 1]}\r\n`;
  head += `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n`;
  socket.end(head + body);
}
