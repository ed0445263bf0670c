import type { RouteSpec } from '../control/module.js';
import {
  createdTokenSchema,
  createTokenSchema,
  jwksSchema,
  meSchema,
  revokeRequestSchema,
  revokeResponseSchema,
  tokenListSchema,
  tokenRequestSchema,
  tokenResponseSchema,
} from './api-schemas.js';
import { PAGE_ROUTES } from './page/route-specs.js';

const TAGS = ['tokens'] as const;
const UNAUTHORIZED = { description: 'Missing, malformed, expired or revoked credentials.' };
const RATE_LIMITED = { description: 'Too many failed attempts (Retry-After says when to try again).' };
const INVALID = { description: 'The body failed validation.' };

/** Every route the token service mounts on the admin listener (for /openapi.json). */
export const TOKEN_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/auth/tokens',
    summary: 'Issue a Gatehouse JWT (password or refresh-token grant), optionally with a refresh token',
    tags: TAGS,
    auth: 'none',
    body: tokenRequestSchema,
    responses: {
      200: {
        description:
          'A JWT, and a refresh token when asked for (with `refresh_token_expires_in` seconds and `refresh_expires_at`: when its chain ends).',
        body: tokenResponseSchema,
      },
      401: {
        description: 'Wrong credentials, or a refresh token that is invalid, expired, revoked or reused.',
      },
      409: { description: 'The refresh token is being used concurrently; retry.' },
      415: { description: 'The body is not JSON.' },
      422: INVALID,
      429: RATE_LIMITED,
    },
  },
  {
    method: 'post',
    path: '/api/v1/auth/revoke',
    summary: 'Revoke a refresh token (its whole chain), or the chain of a client id given user credentials',
    tags: TAGS,
    auth: 'none',
    body: revokeRequestSchema,
    responses: {
      200: { description: 'Whether a live chain was revoked.', body: revokeResponseSchema },
      401: { description: 'Wrong user credentials.' },
      422: INVALID,
      429: RATE_LIMITED,
    },
  },
  {
    method: 'get',
    path: '/api/v1/tokens',
    summary: "List the caller's personal API tokens",
    tags: TAGS,
    auth: 'user',
    scope: 'gatehouse:tokens',
    responses: {
      200: { description: 'Live tokens (never the secret).', body: tokenListSchema },
      401: UNAUTHORIZED,
      403: {
        description:
          'Not a user, a personal token (tokens cannot manage tokens), or a scope-restricted token without gatehouse:tokens.',
      },
      429: RATE_LIMITED,
    },
  },
  {
    method: 'post',
    path: '/api/v1/tokens',
    summary: 'Create a personal API token (returned once)',
    tags: TAGS,
    auth: 'user',
    scope: 'gatehouse:tokens',
    body: createTokenSchema,
    responses: {
      201: { description: 'The token, shown this once.', body: createdTokenSchema },
      401: UNAUTHORIZED,
      403: {
        description:
          'Not a user known to Gatehouse, a personal token, or a scope-restricted token without gatehouse:tokens.',
      },
      409: { description: 'The user already holds the maximum number of tokens.' },
      422: {
        description:
          'Invalid body, expiry in the past or too far, scopes the user lacks, or (from a scope-restricted token) scopes missing or broader than its own.',
      },
      429: RATE_LIMITED,
    },
  },
  {
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    summary: 'Delete a personal API token (irreversible; refused at once everywhere)',
    tags: TAGS,
    auth: 'user',
    scope: 'gatehouse:tokens',
    responses: {
      204: { description: 'Deleted.' },
      401: UNAUTHORIZED,
      403: {
        description: 'Not a user, a personal token, or a scope-restricted token without gatehouse:tokens.',
      },
      404: { description: 'The caller has no such token.' },
      429: RATE_LIMITED,
    },
  },
  {
    method: 'get',
    path: '/api/v1/users/me',
    summary: 'Who the presented token belongs to (user name, groups, scopes, expiry): a token check',
    tags: TAGS,
    auth: 'user',
    responses: {
      200: { description: 'The caller as the token describes it.', body: meSchema },
      401: UNAUTHORIZED,
      403: { description: 'An admin API key is not a user.' },
      429: RATE_LIMITED,
    },
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: "Public keys of Gatehouse's asymmetric signing keys (empty for HS256)",
    tags: TAGS,
    auth: 'none',
    responses: { 200: { description: 'A JWK Set.', body: jwksSchema } },
  },
  ...PAGE_ROUTES,
];
