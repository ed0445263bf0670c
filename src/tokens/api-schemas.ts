/** Request and answer bodies of the token endpoints (validation and /openapi.json). */
import { z } from 'zod';
import { GatehouseError } from '../errors.js';

export const clientIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters without spaces');
const lifetimeSec = z.number().int().min(60).max(315_360_000);
const username = z.string().min(1).max(200);
const password = z.string().min(1).max(1024);
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/, 'must be a scope token (RFC 6749)');

export const passwordGrantSchema = z.strictObject({
  grant_type: z.literal('password'),
  username,
  password,
  /** Also answer a refresh token (bound to `clientId`). */
  issueRefreshToken: z.boolean().default(false),
  /** Absolute lifetime of the refresh-token chain, seconds (capped by the maximum). */
  refreshTokenLifetime: lifetimeSec.optional(),
  /** Inactivity timeout of the refresh-token chain, seconds (capped by the maximum). */
  refreshTokenUnusedLife: lifetimeSec.optional(),
  /** The application; one refresh-token chain per user and client id (generated when absent). */
  clientId: clientIdSchema.optional(),
});

export const refreshGrantSchema = z.strictObject({
  grant_type: z.literal('refresh_token'),
  refresh_token: z.string().min(1).max(1024),
  /** Rotate: answer a new refresh token; the presented one must not be used again. */
  issueRefreshToken: z.boolean().default(false),
  /** When given, must be the client id the refresh token was issued to. */
  clientId: clientIdSchema.optional(),
});

export const tokenRequestSchema = z.discriminatedUnion('grant_type', [
  passwordGrantSchema,
  refreshGrantSchema,
]);

export const tokenResponseSchema = z.object({
  jwt: z.string(),
  duration: z.number().int(),
  token_type: z.literal('Bearer'),
  refresh_token: z.string().optional(),
  /** With a refresh token: seconds until its chain ends (the absolute lifetime; an inactivity timeout may end it sooner). */
  refresh_token_expires_in: z.number().int().optional(),
  /** With a refresh token: when its chain ends, ISO 8601. */
  refresh_expires_at: z.string().optional(),
  client_id: z.string(),
});

export const revokeRequestSchema = z.union([
  z.strictObject({ refresh_token: z.string().min(1).max(1024) }),
  z.strictObject({ clientId: clientIdSchema, username, password }),
]);

export const revokeResponseSchema = z.object({ revoked: z.boolean() });

export const createTokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  /** ISO 8601 date-time with offset, e.g. 2030-01-31T00:00:00Z. */
  expiresAt: z.iso.datetime({ offset: true }),
  /** Fewer scopes than the user holds (absent: the user's scopes at the time of each use). */
  scopes: z.array(scopeToken).max(100).optional(),
});

export const tokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()).optional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const createdTokenSchema = tokenViewSchema.extend({
  /** The token itself: shown this once, never again. */
  token: z.string(),
});

export const tokenListSchema = z.object({ tokens: z.array(tokenViewSchema) });

export const meSchema = z.object({
  username: z.string(),
  groups: z.array(z.string()),
  scopes: z.array(z.string()),
  /** jwt: a Gatehouse JWT; personal: a personal API token; external: a token of an admin provider. */
  tokenType: z.enum(['jwt', 'personal', 'external']),
  /** When the presented token expires (null: unknown). */
  expiresAt: z.string().nullable(),
});

export const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** Validates a JSON body: 415 when it was not JSON, 422 `validation_failed` listing the issues. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) throw new GatehouseError('unsupported_media_type');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new GatehouseError('validation_failed', 'The request body failed validation.', {
    details: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** `client_id` (as the answer spells it) is accepted for `clientId`. */
export function withClientIdAlias(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('client_id' in body)) return body;
  const { client_id: alias, ...rest } = body as Record<string, unknown>;
  return 'clientId' in rest ? body : { ...rest, clientId: alias };
}
