/**
 * Headers that describe one connection, not the message (RFC 9110 7.6.1), plus those
 * undici refuses to send itself. Removed in both directions, together with every
 * header named in a Connection header.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** Names listed in Connection header values, lower-cased; undefined when none beyond the hop-by-hop set. */
export function connectionListedNames(values: readonly string[]): Set<string> | undefined {
  let names: Set<string> | undefined;
  for (const value of values) {
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name === '' || HOP_BY_HOP_HEADERS.has(name) || name === 'close') continue;
      (names ??= new Set()).add(name);
    }
  }
  return names;
}
