/**
 * The network a client address stands for when counting refused credentials: an IPv4
 * address itself, an IPv6 address's /64. One IPv6 subscriber holds at least a /64 (RFC
 * 6177 and common practice), so counting single IPv6 addresses would let one client
 * rotate through 2^64 of them, each with a fresh count, and push other addresses'
 * blocks out of the bounded table on the way.
 */
import { isIPv6 } from 'node:net';

/** "2001:db8:1:2::/64" for any address in that /64; anything that is not IPv6, unchanged. */
export function networkOf(address: string): string {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(bare)) return address;
  const hextets = expandIPv6(bare).slice(0, 4);
  return `${hextets.map((h) => h.toString(16)).join(':')}::/64`;
}

/**
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, `::FFFF:c000:201`, …) as the IPv4
 * address it stands for; anything else unchanged. A proxy on a dual-stack socket reports
 * IPv4 clients that way: unmapped, they would get a bucket apart from the same client
 * seen as IPv4, and all of them one /64 (`::/64`) in the failed-credential throttle.
 */
export function unmappedIPv4(address: string): string {
  if (!address.includes(':') || !isIPv6(address)) return address;
  const h = expandIPv6(address);
  if (h[5] !== 0xffff || h.slice(0, 5).some((x) => x !== 0)) return address;
  const [hi = 0, lo = 0] = h.slice(6);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function expandIPv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(Number.parseInt(piece, 16));
    }
    return out;
  };
  const front = groupsOf(head);
  if (tail === undefined) return front;
  const back = groupsOf(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
