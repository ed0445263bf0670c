/**
 * The `jwks` provider type: keys fetched from a JWKS endpoint or found by OIDC
 * discovery, with the https rule and the cache/refresh/outage tuning of the key set.
 * Every key carries its `.describe()` text, which the JSON Schema and
 * docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';
import { ASYMMETRIC_ALGORITHMS, commonProviderFields } from './schema-provider-common.js';

const jwksTuningSchema = z
  .strictObject({
    cacheMaxAgeSec: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(600)
      .describe(
        'Keys are refetched at the latest this long after a fetch; a shorter `Cache-Control: max-age` from the server wins, down to `minRefreshSec`. A background refresh runs at 80 % of the max age.',
      ),
    minRefreshSec: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(60)
      .describe(
        'Floor for the refresh period (also under `no-store`/`no-cache`) and the cap of the retry backoff after a failed fetch. Must not exceed `cacheMaxAgeSec`.',
      ),
    unknownKidCooldownSec: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(30)
      .describe(
        'A token with an unknown `kid` triggers at most one refetch per this period; concurrent requests share the fetch.',
      ),
    fetchTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5_000)
      .describe(
        'Deadline of each fetch (discovery document and JWKS each), connect to body; a request waiting for a fetch is answered by then (503 `auth_unavailable` if the endpoint hangs).',
      ),
    outageGraceSec: z
      .number()
      .int()
      .min(0)
      .max(604_800)
      .default(3_600)
      .describe(
        'After the endpoint fails, the last good keys keep verifying this long past their max age; after that, tokens of this provider get 503 `auth_unavailable`.',
      ),
  })
  .refine((t) => t.minRefreshSec <= t.cacheMaxAgeSec, {
    message: 'minRefreshSec must not exceed cacheMaxAgeSec',
    path: ['minRefreshSec'],
    ...ONLY_IF_VALID,
  })
  .default({
    cacheMaxAgeSec: 600,
    minRefreshSec: 60,
    unknownKidCooldownSec: 30,
    fetchTimeoutMs: 5_000,
    outageGraceSec: 3_600,
  })
  .describe(
    'How the key set is cached, refreshed and kept through an outage (authentication.md, JWKS providers).',
  );

/** The value as an http(s) URL, or undefined; never throws. */
function httpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Key URLs must be https, except on loopback (tests, sidecars) or when explicitly allowed. */
function isInsecureRemote(url: string): boolean {
  const parsed = httpUrl(url);
  if (!parsed || parsed.protocol === 'https:') return false; // not a URL: its own check says so
  return !['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
}

/** The `jwks` provider: `jwksUri` or `discovery`, https unless allowed otherwise, and the key-set tuning. */
export function createJwksProviderSchema() {
  return z
    .strictObject({
      ...commonProviderFields,
      type: z.literal('jwks').describe('Keys fetched from a JWKS endpoint (or found by OIDC discovery).'),
      algorithms: z
        .array(z.enum(ASYMMETRIC_ALGORITHMS))
        .min(1)
        .default(['RS256', 'ES256', 'PS256', 'EdDSA'])
        .describe('Allowed `alg` values (asymmetric only).'),
      jwksUri: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe(
          'URL of the key set; https unless on loopback or `allowInsecureHttp`. Give it, or `discovery: true`, not both.',
        ),
      discovery: z
        .boolean()
        .default(false)
        .describe(
          "Find `jwks_uri` at `{issuer}/.well-known/openid-configuration` (read once); `issuer` is then required, must be an http(s) URL, and must equal the document's `issuer`.",
        ),
      allowInsecureHttp: z
        .boolean()
        .default(false)
        .describe(
          'Accept http:// key and discovery URLs on hosts other than loopback (never in production).',
        ),
      jwks: jwksTuningSchema,
    })
    .superRefine((p, ctx) => {
      if (p.discovery && !p.issuer)
        ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'discovery needs the issuer URL' });
      else if (p.discovery && p.issuer && !httpUrl(p.issuer))
        ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'discovery needs an http(s) issuer URL' });
      if (p.discovery && p.jwksUri)
        ctx.addIssue({
          code: 'custom',
          path: ['jwksUri'],
          message: 'give either jwksUri or discovery: true, not both',
        });
      if (!p.discovery && !p.jwksUri)
        ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: 'give jwksUri, or set discovery: true' });
      if (p.allowInsecureHttp) return;
      if (p.jwksUri && isInsecureRemote(p.jwksUri))
        ctx.addIssue({
          code: 'custom',
          path: ['jwksUri'],
          message: 'must use https (or set allowInsecureHttp)',
        });
      if (p.discovery && p.issuer && /^https?:\/\//.test(p.issuer) && isInsecureRemote(p.issuer))
        ctx.addIssue({
          code: 'custom',
          path: ['issuer'],
          message: 'discovery needs an https issuer (or set allowInsecureHttp)',
        });
    }, ONLY_IF_VALID);
}
