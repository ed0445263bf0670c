/**
 * The original request a forward-auth caller describes, as a request the data plane's
 * router and gate can read:
 *
 * - target: `X-Forwarded-Uri` (Traefik ForwardAuth) or `X-Original-URI` (nginx
 *   auth_request); without either, the path after `/decisions` (Envoy ext_authz with
 *   `path_prefix: /decisions`, Ory Oathkeeper style). Neither: 400.
 * - method: `X-Forwarded-Method` or `X-Original-Method`, else the decision request's own.
 * - host: `X-Forwarded-Host`, else the decision request's `Host`.
 *
 * Credentials and `X-Forwarded-For` are read from the decision request's own headers
 * (the proxy passes the client's headers on). Only trusted callers get here.
 */
import type { IncomingMessage } from 'node:http';
import { GatehouseError } from '../errors.js';

export const DECISIONS_PREFIX = '/decisions';
const METHOD = /^[A-Z][A-Z-]{0,19}$/;

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function describeOriginal(req: IncomingMessage): IncomingMessage | GatehouseError {
  const h = req.headers;
  const url = req.url ?? '';
  if (
    url !== DECISIONS_PREFIX &&
    !url.startsWith(`${DECISIONS_PREFIX}/`) &&
    !url.startsWith(`${DECISIONS_PREFIX}?`)
  )
    return new GatehouseError('no_deployment', 'Decisions are asked at /decisions{path}.');
  let target = single(h['x-forwarded-uri']) ?? single(h['x-original-uri']);
  if (target === undefined) {
    const rest = url.slice(DECISIONS_PREFIX.length);
    if (!rest.startsWith('/'))
      return new GatehouseError(
        'bad_request',
        'The decision request does not describe the original request: send X-Forwarded-Uri, X-Original-URI, or ask at /decisions{path}.',
      );
    target = rest;
  }
  if (!target.startsWith('/')) return new GatehouseError('bad_request', 'The original URI must be a path.');
  const method = (
    single(h['x-forwarded-method']) ??
    single(h['x-original-method']) ??
    req.method ??
    ''
  ).toUpperCase();
  if (!METHOD.test(method)) return new GatehouseError('bad_request', 'The original method is not a method.');
  const host = single(h['x-forwarded-host']) ?? h.host;
  const headers = { ...h, host };
  // The view reads everything else (raw headers with the credentials, the socket) from the decision request.
  const view = Object.create(req) as IncomingMessage;
  Object.defineProperties(view, {
    url: { value: target, enumerable: true },
    method: { value: method, enumerable: true },
    headers: { value: headers, enumerable: true },
  });
  return view;
}
