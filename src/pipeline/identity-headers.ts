import type { Identity } from '../auth/types.js';

/** The identity headers of PRODUCT.md section 2, always set by Gatehouse, never passed through. */
export const IDENTITY_HEADER_NAMES = [
  'x-auth-subject',
  'x-auth-groups',
  'x-auth-scopes',
  'x-auth-method',
  'x-auth-key-id',
] as const;

/** Header values must not carry CR, LF or NUL whatever a token says. */
export function sanitizeHeaderValue(value: string): string {
  return value.replace(/[\r\n\0]+/g, ' ').trim();
}

function joined(values: ReadonlySet<string>): string {
  let out = '';
  for (const value of values) out = out === '' ? value : `${out},${value}`;
  return sanitizeHeaderValue(out);
}

/** The standard identity headers for an identity, as a flat [name, value, ...] list. */
export function standardIdentityHeaders(identity: Identity): string[] {
  const out = ['x-auth-method', identity.method];
  if (identity.subject !== '') out.push('x-auth-subject', sanitizeHeaderValue(identity.subject));
  if (identity.groups.size > 0) out.push('x-auth-groups', joined(identity.groups));
  if (identity.scopes.size > 0) out.push('x-auth-scopes', joined(identity.scopes));
  if (identity.credentialId !== '') out.push('x-auth-key-id', sanitizeHeaderValue(identity.credentialId));
  return out;
}
