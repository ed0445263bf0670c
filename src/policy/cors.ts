/**
 * A deployment's CORS policy, compiled: origin matching (exact, `*.` any-depth
 * subdomain wildcard, or `*`) and the header values, rendered once. An origin that is
 * not allowed is never reflected; every answer of a deployment with a policy carries
 * `Vary: Origin` so a cache keeps one copy per origin.
 */
import type { ServerResponse } from 'node:http';
import type { AnswerHeaders } from './plan-view.js';
import type { CorsConfig } from '../config/schema-policy.js';

/** Exposed to pages whatever the policy says: what a client needs to read Gatehouse's answers. */
const ALWAYS_EXPOSED = ['WWW-Authenticate', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'];

interface WildcardOrigin {
  readonly prefix: string; // "https://"
  readonly suffix: string; // ".example.com" or ".example.com:8443"
}

export interface CorsPolicy {
  readonly anyOrigin: boolean;
  readonly exact: ReadonlySet<string>;
  readonly wildcards: readonly WildcardOrigin[];
  readonly allowCredentials: boolean;
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
}

export function compileCors(config: CorsConfig): CorsPolicy {
  const exact = new Set<string>();
  const wildcards: WildcardOrigin[] = [];
  for (const origin of config.allowedOrigins) {
    if (origin === '*') continue;
    const star = origin.indexOf('://*.');
    if (star < 0) exact.add(origin);
    else wildcards.push({ prefix: origin.slice(0, star + 3), suffix: origin.slice(star + 4) });
  }
  const exposed = [...ALWAYS_EXPOSED];
  for (const h of config.exposedHeaders)
    if (!exposed.some((e) => e.toLowerCase() === h.toLowerCase())) exposed.push(h);
  return {
    anyOrigin: config.allowedOrigins.includes('*'),
    exact,
    wildcards,
    allowCredentials: config.allowCredentials,
    allowMethods: config.allowedMethods.join(', '),
    allowHeaders: config.allowedHeaders.join(', '),
    exposeHeaders: exposed.join(', '),
    maxAge: String(config.maxAgeSec),
  };
}

const LABELS = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  if (policy.anyOrigin || policy.exact.has(origin)) return true;
  for (const w of policy.wildcards) {
    if (origin.length <= w.prefix.length + w.suffix.length) continue;
    if (!origin.startsWith(w.prefix) || !origin.endsWith(w.suffix)) continue;
    if (LABELS.test(origin.slice(w.prefix.length, origin.length - w.suffix.length))) return true;
  }
  return false;
}

function allowOrigin(res: AnswerHeaders, policy: CorsPolicy, origin: string): void {
  res.setHeader('access-control-allow-origin', policy.anyOrigin && !policy.allowCredentials ? '*' : origin);
  if (policy.allowCredentials) res.setHeader('access-control-allow-credentials', 'true');
}

/**
 * Headers for an actual (non-preflight) request, set on `res` before any answer is
 * written so they reach both Gatehouse's own errors and relayed upstream answers (an
 * upstream header of the same name replaces Gatehouse's).
 */
export function applyCors(res: AnswerHeaders, policy: CorsPolicy, origin: string | undefined): void {
  res.setHeader('vary', 'Origin');
  if (origin === undefined || !originAllowed(policy, origin)) return;
  allowOrigin(res, policy, origin);
  res.setHeader('access-control-expose-headers', policy.exposeHeaders);
}

/** Answers a preflight: 204 with the policy, or 403 (JSON, by the caller) when the origin is not allowed. */
export function answerPreflight(
  res: ServerResponse,
  policy: CorsPolicy,
  origin: string,
  requestId: string,
): boolean {
  res.setHeader('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  if (!originAllowed(policy, origin)) return false;
  allowOrigin(res, policy, origin);
  res.writeHead(204, {
    'access-control-allow-methods': policy.allowMethods,
    'access-control-allow-headers': policy.allowHeaders,
    'access-control-max-age': policy.maxAge,
    'x-request-id': requestId,
    'content-length': 0,
  });
  res.end();
  return true;
}
