/**
 * The original request a forward-auth caller describes, as a request the data plane's
 * router and gate can read:
 *
 * - target: `X-Forwarded-Uri` (Traefik ForwardAuth) or `X-Original-URI` (nginx
 *   auth_request); without either, the path after `/decisions` (Envoy ext_authz with
 *   `path_prefix: /decisions`, Ory Oathkeeper style). Neither: 400.
 * - method: `X-Forwarded-Method` or `X-Original-Method`, else the decision request's own,
 *   in its exact case (Node's parser refuses `get` on the data plane; so does this).
 * - host: `X-Forwarded-Host`, else the decision request's `Host`.
 *
 * Each ingress sets one convention and passes the client's other headers on as they came
 * (nginx passes a client's `X-Forwarded-Uri`, Traefik a client's `X-Original-URI`), so
 * when both conventions are present and differ, one of them is the client's: 400, never
 * a decision about a request the ingress will not forward.
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

/** The value both conventions give, or the one present; null when they disagree. */
function agreed(forwarded: string | undefined, original: string | undefined): string | undefined | null {
  if (forwarded !== undefined && original !== undefined && forwarded !== original) return null;
  return forwarded ?? original;
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
  let target = agreed(single(h['x-forwarded-uri']), single(h['x-original-uri']));
  if (target === null)
    return new GatehouseError(
      'bad_request',
      'X-Forwarded-Uri and X-Original-URI describe different requests.',
    );
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
  const described = agreed(single(h['x-forwarded-method']), single(h['x-original-method']));
  if (described === null)
    return new GatehouseError(
      'bad_request',
      'X-Forwarded-Method and X-Original-Method describe different methods.',
    );
  const method = described ?? req.method ?? '';
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
