/**
 * The client's address for limits and throttling: the connecting peer, or, when the
 * peer is a trusted proxy, the right-most untrusted address of `X-Forwarded-For` (the
 * left part of that header is whatever the client wrote, so it is never believed).
 * An IPv4-mapped IPv6 address counts as the IPv4 address it stands for.
 */
import type { IncomingMessage } from 'node:http';
import { displayAddress, type ProxyTrust } from '../proxy/forwarded.js';
import { unmappedIPv4 } from './address-prefix.js';

export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = displayAddress(req.socket.remoteAddress);
  if (!trust(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  if (typeof header !== 'string' || header === '') return peer;
  const hops = header.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmappedIPv4((hops[i] as string).trim());
    if (hop === '') continue;
    if (i === 0 || !trust(hop)) return hop.length > 64 ? hop.slice(0, 64) : hop;
  }
  return peer;
}
