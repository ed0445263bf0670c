import {
  request as httpRequest,
  type RequestOptions as RequestOptionsOfHttp,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http';
import { connect } from 'node:net';

export interface SimpleResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders | readonly string[];
  readonly body?: string | Buffer;
  /** Sent exactly as given (no normalisation of "..", "//" or escapes). */
  readonly path?: string;
  readonly agent?: false;
}

/** node:http options for one request on a fresh connection, the path byte for byte as given. */
function requestOptionsFor(url: URL, path: string, options: RequestOptions): RequestOptionsOfHttp {
  return {
    host: url.hostname,
    port: url.port,
    method: options.method ?? 'GET',
    path,
    headers: options.headers,
    agent: false,
  };
}

/** One HTTP request with node:http, the path sent byte for byte as given. */
export function send(baseUrl: string, path: string, options: RequestOptions = {}): Promise<SimpleResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(requestOptionsFor(url, path, options), (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes on a TCP connection and returns everything read until the peer closes. */
export function sendRaw(baseUrl: string, bytes: string, timeoutMs = 3000): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('error', reject);
  });
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  /** Header lines as received: [name, value, ...]. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/** Parses the first HTTP/1.1 response in `text` (Content-Length, chunked or read-to-close body). */
export function parseRawResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response head in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  let rest = text.slice(end + 4);
  let body: string;
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    body = '';
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, lineEnd), 16);
      if (!(size > 0)) break;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      rest = rest.slice(lineEnd + 2 + size + 2);
    }
  } else if (headers['content-length'] !== undefined) body = rest.slice(0, Number(headers['content-length']));
  else body = rest;
  return { status, headers, rawHeaders, body, json: <T>() => JSON.parse(body) as T };
}

/** sendRaw + parseRawResponse. The request should carry `Connection: close`. */
export async function sendRawRequest(baseUrl: string, bytes: string, timeoutMs = 3000): Promise<RawResponse> {
  return parseRawResponse(await sendRaw(baseUrl, bytes, timeoutMs));
}

export interface ResponseOutcome {
  /** 0 when no response head arrived. */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Body bytes received. */
  readonly bytes: number;
  /** complete: the body ended normally; aborted: the connection broke mid-body or before a head. */
  readonly outcome: 'complete' | 'aborted';
  readonly error: string | undefined;
}

/**
 * A request whose result says whether the response body arrived complete, for
 * upstreams that break mid-response. Never rejects.
 */
export function requestOutcome(
  baseUrl: string,
  path: string,
  options: RequestOptions = {},
): Promise<ResponseOutcome> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let bytes = 0;
    const finish = (outcome: 'complete' | 'aborted', error?: Error): void => {
      if (settled) return;
      settled = true;
      resolve({
        status,
        headers,
        bytes,
        outcome,
        error: error ? String((error as NodeJS.ErrnoException).code ?? error.message) : undefined,
      });
    };
    const req = httpRequest(requestOptionsFor(url, path, options), (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => finish(res.complete ? 'complete' : 'aborted'));
      res.on('aborted', () => finish('aborted'));
      res.on('error', (err) => finish('aborted', err));
      res.on('close', () => finish(res.complete ? 'complete' : 'aborted'));
    });
    req.on('error', (err) => finish('aborted', err));
    req.end(options.body);
  });
}
