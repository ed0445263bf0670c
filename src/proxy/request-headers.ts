import type { IncomingHttpHeaders } from 'node:http';
import { connectionListedNames, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';
import { forwardingHeaders, type ForwardingFacts, type InboundForwarding } from './forwarded.js';
import type { InboundHeaderFilter } from './inbound-header-filter.js';

/** Per-deployment choices about what reaches the upstream, compiled once. */
export interface UpstreamHeaderPolicy {
  /**
   * Client headers never passed through: identity headers, Authorization unless forwarded,
   * the API-key header, other proxies' identity and override headers, and look-alikes of
   * all of these (`X_Auth_Subject`).
   */
  readonly inbound: InboundHeaderFilter;
  /** Send the client's Host header instead of the node's. */
  readonly preserveHost: boolean;
}

/** Headers the proxy always sets itself, so a client's copy is dropped (look-alikes by the policy). */
export const SET_BY_PROXY: ReadonlySet<string> = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-request-id',
  'expect',
]);

export interface UpstreamRequestFacts extends ForwardingFacts {
  readonly requestId: string;
}

/**
 * The header list sent upstream, as a flat [name, value, ...] array: the client's
 * end-to-end headers minus hop-by-hop ones (and those named in Connection), minus the
 * policy's removed names, plus forwarding headers, the request id and `extra`
 * (identity headers computed by the pipeline).
 *
 * It reads Node's parsed `req.headers` (names already lower-cased; duplicates of
 * single-valued headers such as Content-Length or Host already dropped, list headers
 * joined with ", "), which the router has built anyway.
 */
export function buildUpstreamHeaders(
  headers: IncomingHttpHeaders,
  facts: UpstreamRequestFacts,
  policy: UpstreamHeaderPolicy,
  extra: readonly string[],
): string[] {
  let out: string[] = [];
  let inbound: InboundForwarding | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name)) continue;
    if (SET_BY_PROXY.has(name)) {
      if (facts.trusted && typeof value === 'string')
        collectInbound((inbound ??= emptyInbound()), name, value);
      continue;
    }
    if (policy.inbound.removes(name)) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }
  const connection = headers.connection;
  if (connection !== undefined && !isPlainConnectionValue(connection)) {
    const listed = connectionListedNames([connection]);
    if (listed) out = withoutNames(out, listed);
  }
  if (policy.preserveHost && facts.host) out.push('host', facts.host);
  const forwarding = forwardingHeaders(facts, inbound ?? NO_INBOUND);
  for (const item of forwarding) out.push(item);
  out.push('x-request-id', facts.requestId);
  for (const item of extra) out.push(item);
  return out;
}

function emptyInbound(): InboundForwarding {
  return {
    xForwardedFor: undefined,
    xForwardedProto: undefined,
    xForwardedHost: undefined,
    forwarded: undefined,
  };
}

const NO_INBOUND: InboundForwarding = Object.freeze(emptyInbound());

function joinValue(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}

function collectInbound(inbound: InboundForwarding, name: string, value: string): void {
  switch (name) {
    case 'x-forwarded-for':
      inbound.xForwardedFor = joinValue(inbound.xForwardedFor, value);
      break;
    case 'x-forwarded-proto':
      inbound.xForwardedProto ??= value;
      break;
    case 'x-forwarded-host':
      inbound.xForwardedHost ??= value;
      break;
    case 'forwarded':
      inbound.forwarded = joinValue(inbound.forwarded, value);
      break;
    default:
      break;
  }
}

function withoutNames(flat: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    if (!names.has(name)) out.push(name, flat[i + 1] as string);
  }
  return out;
}

function isPlainConnectionValue(value: string): boolean {
  const lower = value.length <= 10 ? value.toLowerCase() : '';
  return lower === 'keep-alive' || lower === 'close';
}

/**
 * Response headers from the upstream (undici's raw Buffer pairs) for the client:
 * hop-by-hop and Connection-listed names removed, then Gatehouse's X-Request-Id added
 * (after the removal, so an upstream's `Connection: x-request-id` cannot drop it).
 * Flat [name, value, ...] for writeHead.
 */
export function buildClientResponseHeaders(raw: readonly Buffer[], requestId: string): string[] {
  let out: string[] = [];
  let connection: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (HOP_BY_HOP_HEADERS.has(lower)) {
      // "keep-alive"/"close" (nearly every response) name no extra header to drop.
      if (lower === 'connection' && !isPlainConnectionValue(value)) (connection ??= []).push(value);
      continue;
    }
    if (lower === 'x-request-id') continue;
    out.push(name, value);
  }
  const listed = connection && connectionListedNames(connection);
  if (listed) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) {
      if (!listed.has((out[i] as string).toLowerCase())) kept.push(out[i] as string, out[i + 1] as string);
    }
    out = kept;
  }
  out.push('x-request-id', requestId);
  return out;
}
