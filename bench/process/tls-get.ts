/**
 * One GET over TLS to the data plane, trusting the run's certificate: over HTTP/1.1
 * (no ALPN, as wrk sends) or over HTTP/2 (ALPN offers only h2). Never throws: a
 * connection error is status 0, like httpGet.
 */
import { connect, constants } from 'node:http2';
import { request } from 'node:https';
import type { HttpAnswer } from './net.js';

const TIMEOUT_MS = 5000;

function failed(err: unknown): HttpAnswer {
  return { status: 0, body: err instanceof Error ? err.message : String(err) };
}

/** HTTP/1.1 over TLS (Node's https client offers no ALPN, like wrk: the server falls back to HTTP/1.1). */
export function httpsGet(url: string, headers: Record<string, string>, ca: string): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = request(url, { headers, ca, agent: false, timeout: TIMEOUT_MS });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve(failed(err)));
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', (err) => resolve(failed(err)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.end();
  });
}

/** HTTP/2 over TLS (ALPN h2 only: a server that does not choose h2 fails the handshake). */
export function h2Get(url: string, headers: Record<string, string>, ca: string): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const session = connect(target.origin, { ca, ALPNProtocols: ['h2'] });
    const done = (answer: HttpAnswer): void => {
      session.close();
      resolve(answer);
    };
    session.setTimeout(TIMEOUT_MS, () => session.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    session.on('error', (err) => done(failed(err)));
    session.on('connect', () => {
      if (session.alpnProtocol !== 'h2')
        done(failed(new Error(`ALPN chose ${String(session.alpnProtocol)}, not h2`)));
    });
    const stream = session.request({
      ...headers,
      [constants.HTTP2_HEADER_PATH]: target.pathname + target.search,
    });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[constants.HTTP2_HEADER_STATUS] ?? 0)));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('error', (err) => done(failed(err)));
    stream.on('end', () => done({ status, body }));
  });
}
