/**
 * Authorization settings (`services[].versions[].auth`, `deployments[].auth`): which
 * methods may authenticate a request, the API keys, the JWT providers, the groups and
 * scopes required, and what the upstream receives. Every key carries its `.describe()`
 * text, which the JSON Schema and docs/configuration.md are generated from.
 */
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';
import { idSchema } from './schema-common.js';
import { rateLimitsSchema } from './schema-policy.js';

import { mtlsSettingsSchema } from './schema-mtls.js';

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
  id: idSchema.describe("The key's id: subject `apikey:<id>`, forwarded as `X-Auth-Key-Id`."),
  label: z.string().max(200).optional().describe('A note for people (at most 200 characters).'),
  hash: z
    .string()
    .transform((h) => h.toLowerCase())
    .pipe(z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 hex digits'))
    .describe(
      '`sha256:` + 64 hex digits (upper case is lower-cased): SHA-256 of the key, never the key itself. `gatehouse hash-key` prints it.',
    ),
  scopes: z
    .array(scopeTokenSchema)
    .default([])
    .describe(
      'Scopes the key\'s caller holds, for deployments that require some: RFC 6749 scope tokens (printable ASCII, no space, `"` or `\\`).',
    ),
  groups: z
    .array(groupNameSchema)
    .default([])
    .describe("Groups the key's caller holds: no control characters, no leading or trailing whitespace."),
});

const apiKeysSettingsSchema = z
  .strictObject({
    header: z
      .union([z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.literal(false)], {
        error: 'must be a header name, or false',
      })
      .default('X-API-Key')
      .describe('Header carrying the key as its value, checked first; `false` turns it off.'),
    bearer: z
      .boolean()
      .default(true)
      .describe(
        'Accept `Authorization: Bearer <key>`, checked after the header; a JWT-shaped value (three dot-separated parts) is left to `jwt`.',
      ),
    basic: z
      .boolean()
      .default(true)
      .describe('Accept HTTP Basic with the key as user name and an empty password, checked last.'),
    keys: z
      .array(apiKeySchema)
      .default([])
      .describe('The keys; every listed key works. An unknown key is 401 `invalid_token`.'),
  })
  .describe(
    'Where API keys are read and which keys are valid (required with method `apiKeys`). At least one of `header`, `bearer`, `basic` must be on.',
  );

const requirementSchema = z
  .strictObject({
    groups: z
      .strictObject({
        anyOf: z
          .array(z.string().min(1))
          .default([])
          .describe('The caller has at least one of these groups (ignored when empty).'),
        allOf: z.array(z.string().min(1)).default([]).describe('The caller has every one of these groups.'),
      })
      .default({ anyOf: [], allOf: [] })
      .describe(
        'Groups the caller must hold, matched exactly and case-sensitively; checked before scopes. Not met: 403 `forbidden`.',
      ),
    scopes: z
      .array(scopeTokenSchema)
      .default([])
      .describe(
        'Every listed scope must be granted; granted `resource:*`, `*` and `admin:*` are wildcards. Not met: 403 `insufficient_scope`.',
      ),
  })
  .default({ groups: { anyOf: [], allOf: [] }, scopes: [] })
  .describe(
    'What an authenticated caller must hold, whatever the method (API keys included). An anonymous `public` caller gets 401 `missing_credentials`.',
  );

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
    methods: z
      .array(z.enum(AUTH_METHODS))
      .min(1, 'list at least one authentication method')
      .describe(
        'Methods that may authenticate a request, tried in order; the first success wins (see `combine`). At least one, none twice. `mtls` needs `server.dataPlane.tls.clientCertificates: optional|required`.',
      ),
    combine: z
      .enum(['anyOf', 'allOf'])
      .optional()
      .describe(
        "`anyOf` (default): any one listed method authenticates. `allOf`: every listed method must (e.g. `[mtls, jwt]`: a client certificate and a token); the identity is the first method's, `X-Auth-Method` names them all joined by `+`. `public` cannot be combined with `allOf`.",
      ),
    mtls: mtlsSettingsSchema
      .optional()
      .describe(
        'How method `mtls` maps a verified client certificate to an identity (absent: subject from the CN, no groups).',
      ),
    apiKeys: apiKeysSettingsSchema.optional(),
    jwt: z
      .strictObject({
        providers: z
          .array(idSchema)
          .min(1)
          .describe('Provider ids (`providers[].id`); a token goes to the one whose `issuer` is its `iss`.'),
      })
      .optional()
      .describe('JWT providers accepted (required with method `jwt`, refused without it).'),
    require: requirementSchema,
    rateLimits: rateLimitsSchema.optional(),
    strictRevocation: z
      .boolean()
      .default(false)
      .describe(
        'Method `gatehouse`: also refuse JWTs whose refresh-token session was revoked (otherwise they stay valid until they expire, within `tokens.jwtLifetimeSec`).',
      ),
    forwardAuthorization: z
      .boolean()
      .default(false)
      .describe("Forward the client's `Authorization` header upstream as sent (otherwise it is removed)."),
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
      .default({})
      .describe(
        "Extra upstream headers from token claims, header → claim, e.g. `{X-User-Email: email}`. The client's copy is removed; no claim, no header. Headers Gatehouse sets or strips itself are refused.",
      ),
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
    if (s.mtls && !methods.has('mtls'))
      ctx.addIssue({
        code: 'custom',
        path: ['mtls'],
        message: 'mtls settings given but method mtls is not listed',
      });
    if (s.combine === 'allOf' && methods.has('public'))
      ctx.addIssue({ code: 'custom', path: ['combine'], message: 'allOf cannot include method public' });
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
