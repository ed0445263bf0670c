/**
 * What every JWT provider type shares: the algorithm families, the key-count bound, the
 * `kid` of a configured key, and the common keys (id, issuer, audiences, clock
 * tolerance, token age and lifetime, required claims, token type, claim names). Every
 * key carries its `.describe()` text, which the JSON Schema and docs/configuration.md
 * are generated from.
 */
import { z } from 'zod';
import { idSchema } from './schema-common.js';

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
    subject: z.string().min(1).default('sub').describe('Claim that holds the subject (`X-Auth-Subject`).'),
    groups: z
      .string()
      .min(1)
      .default('groups')
      .describe(
        'Claim that holds the groups: an array of strings, or one string (one group, commas included).',
      ),
    scopes: z
      .array(z.string().min(1))
      .min(1)
      .default(['scope', 'scp'])
      .describe(
        'Claims that hold the scopes, tried in order; the first that is a string or an array wins. A string is split on spaces (RFC 8693 `scope`), an array is taken as is (`scp`).',
      ),
  })
  .default({ subject: 'sub', groups: 'groups', scopes: ['scope', 'scp'] })
  .describe('Which claims give the identity: subject, groups and scopes.');

/** Verification tries at most this many keys for one token (src/auth/jwt/key-ring.ts). */
export const MAX_STATIC_KEYS = 8;

export const kidSchema = z
  .string()
  .min(1)
  .optional()
  .describe(
    'Key id: a token whose `kid` names it is verified with this key only. A key without `kid` also serves tokens whatever `kid` they carry.',
  );

export const commonProviderFields = {
  id: idSchema.describe('The id deployments (`auth.jwt.providers`) and `server.admin.providers` refer to.'),
  issuer: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Expected `iss`; also how a deployment with several providers picks one for a token. Absent: any `iss` no other provider of the deployment claims, unchecked. Two providers with the same issuer (or two without) on one deployment are refused.',
    ),
  audiences: z
    .array(z.string().min(1))
    .min(1, 'list at least one accepted audience')
    .describe("The token's `aud` (string or array) must contain at least one of these."),
  clockToleranceSec: z
    .number()
    .int()
    .min(0)
    .max(600)
    .default(60)
    .describe('Leeway for `exp`, `nbf` and a future `iat`.'),
  maxTokenAgeSec: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Refuse tokens whose `iat` is older than this; makes `iat` required. Absent: no limit.'),
  maxLifetimeSec: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Refuse tokens whose `exp - iat` exceeds this; makes `iat` required. Absent: no limit.'),
  requiredClaims: z
    .array(z.string().min(1))
    .default([])
    .describe('Claims that must be present (any value). `exp` is always required.'),
  tokenType: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Expected `typ` header, e.g. `at+jwt` (compared case-insensitively, `application/` optional). Absent: not checked.',
    ),
  claims: claimNamesSchema,
};
