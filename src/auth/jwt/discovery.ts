/**
 * OpenID Connect Discovery 1.0: where the metadata lives, and what must hold before its
 * `jwks_uri` is trusted. The document's `issuer` must equal the configured issuer exactly
 * (mix-up protection, OIDC Discovery section 4.3), and its `jwks_uri` follows the https
 * rule the configuration applies to a `jwksUri`: an https issuer cannot point to an http
 * JWKS, and an http JWKS must be on loopback unless the provider sets `allowInsecureHttp`.
 */
import { fetchJson, type FetchResult } from './http-fetch.js';

/** `{issuer}/.well-known/openid-configuration`, one terminating slash of the issuer removed. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.endsWith('/') ? issuer.slice(0, -1) : issuer}/.well-known/openid-configuration`;
}

export type DiscoveryOutcome =
  { readonly ok: true; readonly jwksUri: string } | { readonly ok: false; readonly detail: string };

/** Hosts where http is accepted without `allowInsecureHttp` (the same as config/schema-jwks.ts). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export function readDiscoveryDocument(
  document: unknown,
  expectedIssuer: string,
  allowInsecureHttp = false,
): DiscoveryOutcome {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return { ok: false, detail: 'discovery document is not a JSON object' };
  const { issuer, jwks_uri: jwksUri } = document as Record<string, unknown>;
  if (issuer !== expectedIssuer)
    return { ok: false, detail: 'discovery document names another issuer than the configured one' };
  if (typeof jwksUri !== 'string') return { ok: false, detail: 'discovery document has no jwks_uri' };
  let url: URL;
  try {
    url = new URL(jwksUri);
  } catch {
    return { ok: false, detail: 'discovery jwks_uri is not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, detail: 'discovery jwks_uri is not http(s)' };
  if (url.protocol === 'http:' && expectedIssuer.startsWith('https:'))
    return { ok: false, detail: 'discovery jwks_uri downgrades an https issuer to http' };
  if (url.protocol === 'http:' && !allowInsecureHttp && !LOOPBACK_HOSTS.has(url.hostname))
    return { ok: false, detail: 'discovery jwks_uri is http on a host other than loopback' };
  return { ok: true, jwksUri: url.href };
}

export type Discovery =
  | { readonly ok: true; readonly jwksUri: string }
  | {
      readonly ok: false;
      readonly result: Exclude<FetchResult, 'success'>;
      readonly detail: string;
      readonly url: string;
      readonly status?: number;
    };

/** Fetches and checks the issuer's discovery document. Never rejects. */
export async function discoverJwksUri(
  issuer: string,
  options: { readonly timeoutMs: number; readonly signal: AbortSignal; readonly allowInsecureHttp?: boolean },
): Promise<Discovery> {
  const url = discoveryUrl(issuer);
  const answer = await fetchJson(url, options);
  if (!answer.ok) return { ...answer, url };
  const document = readDiscoveryDocument(answer.body, issuer, options.allowInsecureHttp);
  return document.ok ? document : { ok: false, result: 'invalid', detail: document.detail, url };
}
