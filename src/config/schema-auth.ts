import { z } from 'zod';
import { checkPublicKeys } from './public-key.js';
import { ONLY_IF_VALID } from './refine.js';
import { idSchema } from './schema-common.js';
import type { SecretContext } from './secret-ref.js';
import { secretRef } from './secret-ref.js';

/** Algorithms a provider may allow; the type of provider decides which family. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** How identity is read from a token's claims. */
const claimNamesSchema = z
  .strictObject({
    subject: z.string().min(1).default('sub'),
    groups: z.string().min(1).default('groups'),
    /** Tried in order: a string is split on spaces (RFC 8693 `scope`), an array is taken as is (`scp`). */
    scopes: z.array(z.string().min(1)).min(1).default(['scope', 'scp']),
  })
  .default({ subject: 'sub', groups: 'groups', scopes: ['scope', 'scp'] });

const jwksTuningSchema = z
  .strictObject({
    /** Keys are refetched at the latest this long after a fetch (a shorter Cache-Control max-age wins, down to minRefreshSec). */
    cacheMaxAgeSec: z.number().int().min(10).max(86_400).default(600),
    minRefreshSec: z.number().int().min(1).max(3_600).default(60),
    /** A token with an unknown kid triggers at most one refetch per this period. */
    unknownKidCooldownSec: z.number().int().min(1).max(3_600).default(30),
    fetchTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /** After the endpoint fails, the last good keys keep serving this long past their max age. */
    outageGraceSec: z.number().int().min(0).max(604_800).default(3_600),
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
  });

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

/** RFC 7518 section 3.2: an HMAC key at least as long as the hash output. */
const HMAC_MIN_SECRET_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** Verification tries at most this many keys for one token (src/auth/jwt/key-ring.ts). */
const MAX_STATIC_KEYS = 8;

const commonProviderFields = {
  id: idSchema,
  /** Expected `iss`; also how a deployment with several providers picks one for a token. */
  issuer: z.string().min(1).optional(),
  /** The token's `aud` must contain at least one of these. */
  audiences: z.array(z.string().min(1)).min(1, 'list at least one accepted audience'),
  clockToleranceSec: z.number().int().min(0).max(600).default(60),
  /** Refuse tokens whose `iat` is older than this (requires `iat`). */
  maxTokenAgeSec: z.number().int().min(1).optional(),
  /** Refuse tokens whose `exp - iat` exceeds this (requires `iat`). */
  maxLifetimeSec: z.number().int().min(1).optional(),
  /** Claims that must be present (any value). `exp` is always required. */
  requiredClaims: z.array(z.string().min(1)).default([]),
  /** Expected `typ` header, e.g. `at+jwt` (compared case-insensitively, `application/` optional). */
  tokenType: z.string().min(1).optional(),
  claims: claimNamesSchema,
};

export function createProviderSchema(secrets: SecretContext) {
  const secret = secretRef(secrets);
  const hmac = z
    .strictObject({
      ...commonProviderFields,
      type: z.literal('hmac'),
      algorithms: z.array(z.enum(HMAC_ALGORITHMS)).min(1).default(['HS256']),
      /** Several secrets with `kid`s allow rotation; a token's `kid` selects one, else each is tried. */
      secrets: z
        .array(
          z.strictObject({
            kid: z.string().min(1).optional(),
            secret: secret.refine(
              (s) => Buffer.byteLength(s) >= 32,
              'HMAC secrets must be at least 32 bytes',
            ),
          }),
        )
        .min(1)
        .max(MAX_STATIC_KEYS, `at most ${MAX_STATIC_KEYS} secrets (verification tries at most that many)`),
    })
    .superRefine((p, ctx) => {
      const needed = Math.max(...p.algorithms.map((a) => HMAC_MIN_SECRET_BYTES[a]));
      p.secrets.forEach((s, i) => {
        if (Buffer.byteLength(s.secret) < needed)
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', i, 'secret'],
            message: `${p.algorithms.join('/')} needs secrets of at least ${needed} bytes`,
          });
      });
    }, ONLY_IF_VALID);
  const publicKey = z.strictObject({
    ...commonProviderFields,
    type: z.literal('publicKey'),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(['RS256', 'ES256', 'EdDSA']),
    keys: z
      .array(
        z.union([
          z.strictObject({ kid: z.string().min(1).optional(), pem: secret }),
          z.strictObject({ kid: z.string().min(1).optional(), jwk: z.record(z.string(), z.unknown()) }),
        ]),
      )
      .min(1)
      .max(MAX_STATIC_KEYS, `at most ${MAX_STATIC_KEYS} keys (verification tries at most that many)`),
  });
  const jwks = z
    .strictObject({
      ...commonProviderFields,
      type: z.literal('jwks'),
      algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(['RS256', 'ES256', 'PS256', 'EdDSA']),
      jwksUri: z.url({ protocol: /^https?$/ }).optional(),
      /** Find jwks_uri (and check the issuer) at {issuer}/.well-known/openid-configuration. */
      discovery: z.boolean().default(false),
      /** Accept http:// key URLs on hosts other than loopback (never do this in production). */
      allowInsecureHttp: z.boolean().default(false),
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
  // Keys are imported here as the verifier will import them: check-config refuses what start cannot use.
  const checkedPublicKey = publicKey.superRefine(checkPublicKeys, ONLY_IF_VALID);
  return z.discriminatedUnion('type', [hmac, checkedPublicKey, jwks]);
}

export type ProviderConfig = z.infer<ReturnType<typeof createProviderSchema>>;
export type HmacProviderConfig = Extract<ProviderConfig, { type: 'hmac' }>;
export type PublicKeyProviderConfig = Extract<ProviderConfig, { type: 'publicKey' }>;
export type JwksProviderConfig = Extract<ProviderConfig, { type: 'jwks' }>;

export const AUTH_METHODS = ['public', 'apiKeys', 'jwt', 'gatehouse', 'mtls'] as const;
export type AuthMethodName = (typeof AUTH_METHODS)[number];

/** RFC 6749 scope-token: printable ASCII without space, `"` and `\`. */
const scopeTokenSchema = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (RFC 6749)');

/**
 * A group an API key's caller holds: forwarded in X-Auth-Groups, so it may not carry
 * control characters or surrounding whitespace (an upstream would read another name).
 */
const groupNameSchema = z
  .string()
  .min(1)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .refine((g) => g.trim() === g && !/[\x00-\x1f\x7f-\x9f]/.test(g), {
    message: 'must not contain control characters or leading/trailing whitespace',
  });

const apiKeySchema = z.strictObject({
  id: idSchema,
  label: z.string().max(200).optional(),
  /** `sha256:` + 64 hex digits: SHA-256 of the key (`gatehouse hash-key` prints it). */
  hash: z
    .string()
    .transform((h) => h.toLowerCase())
    .pipe(z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 hex digits')),
  /** Scopes and groups the key's caller holds, for deployments that require some. */
  scopes: z.array(scopeTokenSchema).default([]),
  groups: z.array(groupNameSchema).default([]),
});

const apiKeysSettingsSchema = z.strictObject({
  /** Header carrying the key; false to accept keys only in Authorization. */
  header: z
    .union([z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.literal(false)], {
      error: 'must be a header name, or false',
    })
    .default('X-API-Key'),
  bearer: z.boolean().default(true),
  /** HTTP Basic with the key as user name and an empty password. */
  basic: z.boolean().default(true),
  keys: z.array(apiKeySchema).default([]),
});

const requirementSchema = z
  .strictObject({
    groups: z
      .strictObject({
        anyOf: z.array(z.string().min(1)).default([]),
        allOf: z.array(z.string().min(1)).default([]),
      })
      .default({ anyOf: [], allOf: [] }),
    /** Every listed scope must be granted (wildcards in granted scopes: `resource:*`, `*`). */
    scopes: z.array(scopeTokenSchema).default([]),
  })
  .default({ groups: { anyOf: [], allOf: [] }, scopes: [] });

/** Headers a claim mapping may not name: identity, forwarding, hop-by-hop and framing headers. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'x-auth-subject',
  'x-auth-groups',
  'x-auth-scopes',
  'x-auth-method',
  'x-auth-key-id',
  'authorization',
  'cookie',
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-request-id',
]);

/**
 * Authorization settings of a service version, or a deployment's override of them.
 * Any one listed method may authenticate a request; an empty list is refused, so a
 * version always says explicitly how it is reached.
 */
export const authSettingsSchema = z
  .strictObject({
    methods: z.array(z.enum(AUTH_METHODS)).min(1, 'list at least one authentication method'),
    apiKeys: apiKeysSettingsSchema.optional(),
    jwt: z.strictObject({ providers: z.array(idSchema).min(1) }).optional(),
    require: requirementSchema,
    /**
     * `gatehouse` method: also refuse JWTs whose refresh-token session was revoked (default:
     * they stay valid until they expire, within minutes).
     */
    strictRevocation: z.boolean().default(false),
    /** Forward the caller's Authorization header to the upstream (default: stripped). */
    forwardAuthorization: z.boolean().default(false),
    /** Extra upstream headers from token claims, e.g. {X-User-Email: email}. */
    claimHeaders: z
      .record(z.string(), z.string().min(1))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!/^[A-Za-z0-9-]+$/.test(name))
            ctx.addIssue({ code: 'custom', path: [name], message: 'must be a header name' });
          else if (RESERVED_HEADERS.has(name.toLowerCase()))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'is a header Gatehouse sets or strips itself',
            });
        }
      }, ONLY_IF_VALID)
      .default({}),
  })
  .superRefine((s, ctx) => {
    const methods = new Set(s.methods);
    if (methods.size !== s.methods.length)
      ctx.addIssue({ code: 'custom', path: ['methods'], message: 'a method is listed twice' });
    if (methods.has('jwt') && !s.jwt)
      ctx.addIssue({ code: 'custom', path: ['jwt'], message: 'method jwt needs jwt.providers' });
    if (!methods.has('jwt') && s.jwt)
      ctx.addIssue({
        code: 'custom',
        path: ['jwt'],
        message: 'jwt settings given but method jwt is not listed',
      });
    if (methods.has('apiKeys') && !s.apiKeys)
      ctx.addIssue({ code: 'custom', path: ['apiKeys'], message: 'method apiKeys needs apiKeys settings' });
    if (s.apiKeys && !s.apiKeys.bearer && !s.apiKeys.basic && s.apiKeys.header === false)
      ctx.addIssue({
        code: 'custom',
        path: ['apiKeys'],
        message: 'API keys accepted nowhere: enable bearer, basic or header',
      });
  }, ONLY_IF_VALID);

export type AuthSettingsConfig = z.infer<typeof authSettingsSchema>;
