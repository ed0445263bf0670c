/**
 * Traffic policy keys of the config schema: rate limits (`deployments[].rateLimits`,
 * `...auth.rateLimits`), CORS (`deployments[].cors`), failed-credential throttling
 * (`server.dataPlane.failedCredentials`) and the forward-auth decision listener
 * (`server.decisions`). Every key carries its `.describe()` text (docs/configuration.md).
 */
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';

/** `100/s`, `6000/m`, `10/h`: a count per period. Absurd rates are refused at load. */
export const RATE_PATTERN = /^([1-9][0-9]{0,8})\s*\/\s*(s|m|h)$/;
const PERIOD_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
/** Highest rate accepted, per second: beyond it a limit is not a limit. */
export const MAX_RATE_PER_SEC = 1_000_000;

/** A rate string as count and period, or an error message. */
export function parseRate(text: string): { count: number; periodMs: number } | string {
  const m = RATE_PATTERN.exec(text.trim());
  if (!m) return 'must be "<count>/s", "<count>/m" or "<count>/h" with a count of 1 or more, e.g. "100/s"';
  const count = Number(m[1]);
  const periodMs = PERIOD_MS[m[2] as keyof typeof PERIOD_MS];
  if ((count * 1000) / periodMs > MAX_RATE_PER_SEC) return `must not exceed ${MAX_RATE_PER_SEC}/s`;
  return { count, periodMs };
}

const rateSchema = z
  .string()
  .superRefine((text, ctx) => {
    const parsed = parseRate(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  })
  .describe('Requests per period: `<count>/s`, `<count>/m` or `<count>/h`, e.g. `100/s`.');

const burstSchema = z
  .number()
  .int()
  .min(1)
  .max(10_000_000)
  .optional()
  .describe("Requests allowed at once above the steady rate (GCRA burst). Absent: the rate's count.");

const overrideSchema = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'The limit key this override applies to (an API key id, a subject, an address, a header value).',
      ),
    group: z
      .string()
      .min(1)
      .optional()
      .describe('Applies to callers in this group instead (first matching override wins).'),
    rate: rateSchema,
    burst: burstSchema,
  })
  .superRefine((o, ctx) => {
    if ((o.key === undefined) === (o.group === undefined))
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of key or group' });
  }, ONLY_IF_VALID);

export const RATE_LIMIT_KEYS = ['subject', 'apiKey', 'clientIp', 'deployment'] as const;

export const rateLimitSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, "_" or "-"')
    .optional()
    .describe('Name in the `RateLimit` headers and the metric label. Absent: `by` with `:` → `-`.'),
  by: z
    .string()
    .regex(
      /^(subject|apiKey|clientIp|deployment|header:[A-Za-z0-9-]{1,64}|claim:[A-Za-z0-9_.-]{1,64})$/,
      'must be subject, apiKey, clientIp, deployment, header:<Name> or claim:<name>',
    )
    .describe(
      'What is counted: `subject` (anonymous callers: their address), `apiKey` (requests authenticated by an API key; others are not limited by it), `clientIp` (after `trustProxy`), `deployment` (all callers together), `header:<Name>` or `claim:<name>` (absent: one shared bucket).',
    ),
  rate: rateSchema,
  burst: burstSchema,
  overrides: z
    .array(overrideSchema)
    .max(1000)
    .default([])
    .describe('Other rates for some keys or groups, e.g. a partner key that may do more.'),
  onStoreError: z
    .enum(['allow', 'deny'])
    .default('allow')
    .describe(
      'With the Redis store, when Redis cannot answer: `allow` = each replica enforces the limit on its own (local limiter), `deny` = 503 `unavailable`.',
    ),
});

export const rateLimitsSchema = z
  .array(rateLimitSchema)
  .max(16)
  .superRefine((limits, ctx) => {
    const names = new Set<string>();
    limits.forEach((l, i) => {
      const name = l.name ?? l.by.replace(':', '-');
      if (names.has(name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two limits are named "${name}"` });
      names.add(name);
    });
  }, ONLY_IF_VALID)
  .describe(
    'Rate limits (GCRA), all of which must allow a request (429 `rate_limited`, docs/traffic.md). Shared across replicas with the Redis store, per replica otherwise.',
  );

/** `https://app.example`, `https://*.example.com` (any subdomain depth, not the apex), `http://localhost:3000`, or `*`. */
const ORIGIN_PATTERN =
  /^(\*|https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?)$/;
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a header name');

export const corsSchema = z
  .strictObject({
    allowedOrigins: z
      .array(
        z
          .string()
          .regex(
            ORIGIN_PATTERN,
            'must be an origin such as https://app.example, https://*.example.com, or *',
          ),
      )
      .min(1)
      .describe(
        'Origins allowed: exact (`https://app.example`, lower case, no path), `https://*.example.com` (any subdomain, not the apex), or `*` (any; refused with `allowCredentials`).',
      ),
    allowedMethods: z
      .array(z.string().regex(/^[A-Z]+$/, 'must be an upper-case method'))
      .default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
      .describe('Methods a preflight allows (`Access-Control-Allow-Methods`).'),
    allowedHeaders: z
      .array(headerName)
      .default(['Authorization', 'Content-Type'])
      .describe('Request headers a preflight allows (`Access-Control-Allow-Headers`).'),
    exposedHeaders: z
      .array(headerName)
      .default([])
      .describe(
        'Response headers a page may read beyond the defaults; `WWW-Authenticate`, `Retry-After`, `RateLimit`, `RateLimit-Policy` and `X-Request-Id` are always exposed.',
      ),
    allowCredentials: z
      .boolean()
      .default(false)
      .describe('Send `Access-Control-Allow-Credentials: true` (cookies, client certificates).'),
    maxAgeSec: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(600)
      .describe('How long a browser may cache a preflight answer (`Access-Control-Max-Age`).'),
  })
  .superRefine((c, ctx) => {
    if (c.allowCredentials && c.allowedOrigins.includes('*'))
      ctx.addIssue({
        code: 'custom',
        path: ['allowedOrigins'],
        message: '"*" cannot be used with allowCredentials: list the origins',
      });
  }, ONLY_IF_VALID)
  .describe(
    'CORS policy: preflights answered before authentication, CORS headers on every answer including errors (docs/traffic.md). Absent: no CORS handling.',
  );

export const failedCredentialsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Throttle client addresses that keep presenting bad credentials.'),
    windowSec: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(60)
      .describe(
        'Window in which refused credentials (401) from one address (an IPv6 address: its /64) are counted.',
      ),
    slowAfter: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(10)
      .describe('Refusals in a window after which each further 401 is delayed.'),
    delayStepMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(200)
      .describe('Added delay per refusal above `slowAfter` (capped at 2 s).'),
    maxFailures: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(30)
      .describe('Refusals in a window after which the address is answered 429 for `cooldownSec`.'),
    cooldownSec: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(300)
      .describe('How long a throttled address is refused (429 `rate_limited`, `Retry-After`).'),
  })
  .describe(
    'Failed-credential throttling on the data plane and the decision endpoint, counted in the store (shared with Redis).',
  );

export const FAILED_CREDENTIALS_DEFAULTS = failedCredentialsSchema.parse({});

export const decisionsSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Address to listen on (read at start).'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(8081)
      .describe('Port to listen on; `0` picks a free port (read at start).'),
  })
  .describe(
    'The forward-auth decision endpoint (`/decisions{path}`, docs/forward-auth.md) on its own listener; callers must be `server.dataPlane.trustProxy` addresses. Absent: off.',
  );

export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
export type CorsConfig = z.infer<typeof corsSchema>;
export type FailedCredentialsConfig = z.infer<typeof failedCredentialsSchema>;
