/**
 * Request paths are normalised before routing, and the normalised path is what the
 * upstream receives, so the prefix Gatehouse matched is the prefix the upstream sees.
 *
 * Policy (docs/routing.md):
 * - percent-escapes of unreserved characters (A-Z a-z 0-9 - . _ ~) are decoded, other
 *   escapes keep their meaning with upper-case hex (RFC 3986 6.2.2);
 * - "." and ".." segments are resolved (RFC 3986 5.2.4), also when written as %2e;
 *   climbing above the root is refused;
 * - runs of "/" are merged into one;
 * - refused outright (400): backslashes, encoded "/" or "\" (%2F, %5C), encoded
 *   control characters (%00-%1F, %7F), malformed escapes, a "#", and dot segments
 *   with path parameters ("..;x", ".;") which Servlet containers resolve as ".."/".";
 * - refused too: those same characters and "." double-encoded ("%252e", "%252f",
 *   "%255c", "%2500", any case, also with more "25"s): an upstream or a second proxy
 *   that decodes once more would see "..", "/" or a control character Gatehouse never
 *   saw, and could climb into another deployment's prefix.
 */

export type NormalizedPath = string | null;

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

function isUnreserved(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46 ||
    code === 95 ||
    code === 126
  );
}

/** True when the path can be used exactly as received (the common case, no allocation). */
function isAlreadyNormal(path: string): boolean {
  const length = path.length;
  for (let i = 0; i < length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 92 /* \ */ || c === 35 /* # */) return false;
    if (c === 47 /* / */) {
      const next = path.charCodeAt(i + 1);
      if (next === 47 || next === 46 /* . */) return false;
    }
  }
  return true;
}

/** Decodes unreserved escapes; null when an escape is malformed or forbidden. */
function decodeEscapes(path: string): string | null {
  let out = '';
  let i = 0;
  while (i < path.length) {
    const c = path.charCodeAt(i);
    if (c === 92 || c === 35) return null;
    if (c !== 37) {
      out += path[i];
      i++;
      continue;
    }
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return null;
    const byte = hi * 16 + lo;
    if (byte === 0x2f || byte === 0x5c || byte < 0x20 || byte === 0x7f) return null;
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[hi]}${HEX[lo]}`;
    i += 3;
  }
  return out;
}

/** "..;x" or ".;": a backend that drops path parameters would climb or stay where Gatehouse does not. */
function isDotSegmentWithParameters(segment: string): boolean {
  if (segment.charCodeAt(0) !== 46 /* . */) return false;
  const semi = segment.indexOf(';');
  return semi === 1 || (semi === 2 && segment.charCodeAt(1) === 46);
}

/**
 * Normalises the path part of an origin-form request target (no query).
 * Returns null when the path must be refused with 400.
 */
/**
 * "%25" (an escaped "%"), possibly escaped again, then the hex of ".", "/", "\" or a
 * control character. Tested on the decoded path, so "%25%32%65" (decoded to "%252e") counts.
 */
const MULTIPLY_ENCODED = /%25(?:25)*(?:2e|2f|5c|[01][0-9a-f]|7f)/i;

export function normalizePath(path: string): NormalizedPath {
  if (path.charCodeAt(0) !== 47) return null;
  if (isAlreadyNormal(path)) return path;
  const decoded = decodeEscapes(path);
  if (decoded === null) return null;
  if (decoded.includes('%25') && MULTIPLY_ENCODED.test(decoded)) return null;
  const segments = decoded.split('/');
  const output: string[] = [];
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const segment = segments[i] as string;
    if (segment === '..') {
      if (output.length === 0) return null;
      output.pop();
      if (i === last) output.push('');
    } else if (segment === '.') {
      if (i === last) output.push('');
    } else if (segment === '') {
      if (i === last) output.push('');
    } else if (isDotSegmentWithParameters(segment)) return null;
    else output.push(segment);
  }
  return '/' + output.join('/');
}

export interface RequestTarget {
  /** Normalised path, starting with "/". */
  readonly path: string;
  /** Raw query including "?", or "". Never parsed by the data plane. */
  readonly query: string;
}

/** Splits and normalises an origin-form request target. Null → 400. */
export function parseRequestTarget(url: string): RequestTarget | null {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const path = normalizePath(rawPath);
  if (path === null) return null;
  return { path, query: q === -1 ? '' : url.slice(q) };
}
