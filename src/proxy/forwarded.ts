import { BlockList, isIPv6 } from 'node:net';
import type { TrustProxySetting } from '../config/schema-common.js';

/** Decides whether the connecting peer may tell us who the client was. */
export type ProxyTrust = (peerAddress: string) => boolean;

export function compileProxyTrust(setting: TrustProxySetting): ProxyTrust {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  const list = new BlockList();
  for (const entry of setting) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (peer) => {
    if (peer === '') return false;
    if (isIPv6(peer)) {
      if (peer.startsWith('::ffff:') && list.check(peer.slice(7), 'ipv4')) return true;
      return list.check(peer, 'ipv6');
    }
    return list.check(peer, 'ipv4');
  };
}

/** What the client sent about earlier hops; only used when the peer is trusted. */
export interface InboundForwarding {
  xForwardedFor: string | undefined;
  xForwardedProto: string | undefined;
  xForwardedHost: string | undefined;
  forwarded: string | undefined;
}

export interface ForwardingFacts {
  readonly peerAddress: string;
  readonly protocol: 'http' | 'https';
  readonly host: string | undefined;
  readonly trusted: boolean;
}

/** The peer address as it appears in headers: IPv4-mapped IPv6 shown as IPv4. */
export function displayAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The Forwarded element for the last (peer, protocol, host) seen: behind a load
 * balancer nearly every request repeats it, and quoting/escaping it each time showed in
 * profiles.
 */
let lastElement = { peer: '', proto: '', host: undefined as string | undefined, value: '' };

function forwardedElement(facts: ForwardingFacts, proto: string, host: string | undefined): string {
  const last = lastElement;
  if (last.peer === facts.peerAddress && last.proto === proto && last.host === host) return last.value;
  const value = buildForwardedElement(facts, proto, host);
  lastElement = { peer: facts.peerAddress, proto, host, value };
  return value;
}

function buildForwardedElement(facts: ForwardingFacts, proto: string, host: string | undefined): string {
  const address = displayAddress(facts.peerAddress);
  const node = address === '' ? 'unknown' : isIPv6(address) ? quoted(`[${address}]`) : address;
  let element = `for=${node};proto=${proto}`;
  if (host) element += `;host=${quoted(host)}`;
  return element;
}

function firstValue(list: string | undefined): string | undefined {
  if (!list) return undefined;
  const comma = list.indexOf(',');
  const value = (comma === -1 ? list : list.slice(0, comma)).trim().toLowerCase();
  return value === '' ? undefined : value;
}

/**
 * X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239) for the upstream request, as a
 * flat [name, value, ...] list. Inbound values are extended only when the peer is trusted;
 * otherwise they were already dropped and the chain starts at the peer.
 */
export function forwardingHeaders(facts: ForwardingFacts, inbound: InboundForwarding): string[] {
  const address = displayAddress(facts.peerAddress);
  if (!facts.trusted) {
    const out = ['x-forwarded-for', address, 'x-forwarded-proto', facts.protocol];
    if (facts.host) out.push('x-forwarded-host', facts.host);
    out.push('forwarded', forwardedElement(facts, facts.protocol, facts.host));
    return out;
  }
  const proto = firstValue(inbound.xForwardedProto);
  const protocol = proto === 'http' || proto === 'https' ? proto : facts.protocol;
  const host = inbound.xForwardedHost ?? facts.host;
  const out = [
    'x-forwarded-for',
    inbound.xForwardedFor ? `${inbound.xForwardedFor}, ${address}` : address,
    'x-forwarded-proto',
    protocol,
  ];
  if (host) out.push('x-forwarded-host', host);
  const element = forwardedElement(facts, facts.protocol, facts.host);
  out.push('forwarded', inbound.forwarded ? `${inbound.forwarded}, ${element}` : element);
  return out;
}
