/**
 * Helpers for the TLS tests: an HTTPS request with chosen trust and client certificate
 * that reports a refused handshake as a value, and a data-plane config with TLS.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Pki } from './pki.js';
import type { ConfigObject } from '../helpers/gatehouse.js';

export type HttpsOutcome =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly text: string;
      json<T = Record<string, unknown>>(): T;
    }
  | { readonly ok: false; readonly error: string };

export interface HttpsOptions {
  readonly pki: Pki;
  /** Client certificate and key file names in the PKI folder (e.g. alice). */
  readonly client?: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  /** Trust this CA file instead of the PKI root. */
  readonly ca?: string;
}

export function httpsSend(baseUrl: string, options: HttpsOptions): Promise<HttpsOutcome> {
  const url = new URL(baseUrl);
  const { pki } = options;
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
        ca: pki.read(options.ca ?? 'ca.crt'),
        ...(options.client
          ? { cert: pki.read(`${options.client}.crt`), key: pki.read(`${options.client}.key`) }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            ok: true,
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ ok: false, error: err.code ?? err.message }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
    req.end();
  });
}

/** Asserts a response came back, for narrowing. */
export function answered(outcome: HttpsOutcome): Extract<HttpsOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`no answer: ${outcome.error}`);
  return outcome;
}

/** `server.dataPlane.tls` with the PKI's server chain and, optionally, client certificates. */
export function dataPlaneTls(pki: Pki, extra: ConfigObject = {}): ConfigObject {
  return {
    cert: pki.path('server-chain.crt'),
    key: pki.path('server.key'),
    ca: pki.path('ca.crt'),
    ...extra,
  };
}
