import type { Identity } from '../auth/types.js';

/** The identity headers of PRODUCT.md section 2, always set by Gatehouse, never passed through. */
export const IDENTITY_HEADER_NAMES = [
  'x-auth-subject',
  'x-auth-groups',
  'x-auth-scopes',
  'x-auth-method',
  'x-auth-key-id',
] as const;

/**
 * Identity header values come from tokens, so they are made safe whatever a token says:
 * control characters (CR, LF, NUL...) become spaces, and anything outside printable
 * ASCII is percent-encoded as UTF-8, with "%" itself written %25 so the encoding is
 * unambiguous (an upstream decodes with decodeURIComponent). Plain ASCII values, the
 * usual case, pass through unchanged. For single values (subject, key id, string claims).
 */
export function sanitizeHeaderValue(value: string): string {
  if (isKeptAsItIs(value)) return value;
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const spaced = value.replace(/[\x00-\x08\x0a-\x1f\x7f]+/g, ' ').trim();
  return /[^\x20-\x24\x26-\x7e]/.test(spaced) ? spaced.replace(/[^\x20-\x24\x26-\x7e]+/g, encodeRun) : spaced;
}

/** Printable ASCII other than "%", not starting or ending with a space: what sanitizeHeaderValue returns unchanged. */
function isKeptAsItIs(value: string): boolean {
  const last = value.length - 1;
  if (last < 0) return true;
  if (value.charCodeAt(0) === 0x20 || value.charCodeAt(last) === 0x20) return false;
  for (let i = 0; i <= last; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x25) return false;
  }
  return true;
}

/** Bytes a list element keeps as they are: printable ASCII except space, "%" and ",". */
const LIST_ELEMENT_UNSAFE = /[^\x21-\x24\x26-\x2b\x2d-\x7e]/;
const LIST_ELEMENT_UNSAFE_RUNS = /[^\x21-\x24\x26-\x2b\x2d-\x7e]+/g;

/**
 * One element of X-Auth-Groups / X-Auth-Scopes (and of array claims): every byte outside
 * printable ASCII, and space, "%" and ",", is percent-encoded as UTF-8. The encoding is
 * total and reversible: splitting the header on "," and percent-decoding each part
 * (decodeURIComponent) gives back exactly the list, e.g. ["users,admins", "ops"] →
 * `users%2Cadmins,ops`.
 */
export function encodeListElement(value: string): string {
  return LIST_ELEMENT_UNSAFE.test(value) ? value.replace(LIST_ELEMENT_UNSAFE_RUNS, encodeRun) : value;
}

/** encodeURIComponent that cannot throw: a lone surrogate becomes U+FFFD first. */
function encodeRun(run: string): string {
  try {
    return encodeURIComponent(run);
  } catch {
    return encodeURIComponent(run.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

function joined(values: Iterable<string>): string {
  let out = '';
  let first = true;
  for (const value of values) {
    out = first ? encodeListElement(value) : `${out},${encodeListElement(value)}`;
    first = false;
  }
  return out;
}

/** The standard identity headers for an identity, as a flat [name, value, ...] list. */
export function standardIdentityHeaders(identity: Identity): string[] {
  const out = ['x-auth-method', identity.method];
  if (identity.subject !== '') out.push('x-auth-subject', sanitizeHeaderValue(identity.subject));
  if (identity.groups.size > 0) out.push('x-auth-groups', joined(identity.groups));
  if (identity.scopes.size > 0) out.push('x-auth-scopes', joined(identity.scopes));
  if (identity.credentialId !== '' && (identity.method === 'apiKeys' || identity.method.startsWith('mtls')))
    out.push('x-auth-key-id', sanitizeHeaderValue(identity.credentialId));
  return out;
}

/** A claim value as a header value: arrays comma-joined, objects as JSON, nothing for null/undefined. */
function renderClaim(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return sanitizeHeaderValue(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return joined(value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
  return sanitizeHeaderValue(JSON.stringify(value));
}

export interface IdentityHeaderPlan {
  readonly names: ReadonlySet<string>;
  readonly build: (identity: Identity) => string[];
}

/**
 * Compiles the standard headers plus configured claim headers ({X-User-Email: email}).
 * Not memoised here: the gate keeps one admission, with these headers, per cached
 * identity (gate.ts), and an identity seen once is never asked for again.
 */
export function compileIdentityHeaders(claimHeaders: Readonly<Record<string, string>>): IdentityHeaderPlan {
  const mappings = Object.entries(claimHeaders).map(
    ([header, claim]) => [header.toLowerCase(), claim] as const,
  );
  const names = new Set<string>([...IDENTITY_HEADER_NAMES, ...mappings.map(([header]) => header)]);
  const build = (identity: Identity): string[] => {
    const headers = standardIdentityHeaders(identity);
    if (identity.claims)
      for (const [header, claim] of mappings) {
        const value = renderClaim(identity.claims[claim]);
        if (value !== undefined && value !== '') headers.push(header, value);
      }
    return headers;
  };
  return { names, build };
}
