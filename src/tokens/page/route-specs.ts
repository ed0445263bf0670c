/** The /manage_tokens routes, for /openapi.json (route-specs.ts lists them with the token API). */
import type { RouteSpec } from '../../control/module.js';
import { pageSessionSchema, pageSignInSchema } from './session.js';

const TAGS = ['tokens'] as const;
const CSRF = {
  description:
    'Refused as cross-site: the X-Gatehouse-CSRF header is missing, or Origin/Sec-Fetch-Site is another site.',
};

export const PAGE_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/manage_tokens',
    summary: 'Web page to sign in and manage personal API tokens',
    tags: TAGS,
    auth: 'none',
    responses: { 200: { description: 'An HTML page (strict CSP, no inline code).' } },
  },
  {
    method: 'get',
    path: '/manage_tokens/app.js',
    summary: "The token page's script",
    tags: TAGS,
    auth: 'none',
    responses: { 200: { description: 'JavaScript.' } },
  },
  {
    method: 'get',
    path: '/manage_tokens/app.css',
    summary: "The token page's stylesheet",
    tags: TAGS,
    auth: 'none',
    responses: { 200: { description: 'CSS.' } },
  },
  {
    method: 'post',
    path: '/manage_tokens/session',
    summary: 'Token page: sign in (password grant); the refresh token goes into an HttpOnly cookie',
    tags: TAGS,
    auth: 'none',
    body: pageSignInSchema,
    responses: {
      200: { description: 'A JWT for the page; Set-Cookie carries the session.', body: pageSessionSchema },
      401: { description: 'Wrong user name or password.' },
      403: CSRF,
      422: { description: 'The body failed validation.' },
      429: { description: 'Too many failed attempts (Retry-After says when to try again).' },
    },
  },
  {
    method: 'post',
    path: '/manage_tokens/refresh',
    summary: "Token page: renew the JWT with the session cookie (rotates the cookie's refresh token)",
    tags: TAGS,
    auth: 'none',
    responses: {
      200: { description: 'A new JWT; Set-Cookie carries the rotated session.', body: pageSessionSchema },
      401: {
        description: 'No session cookie, or the session expired or was revoked (the cookie is cleared).',
      },
      403: CSRF,
      429: { description: 'Too many failed attempts.' },
    },
  },
  {
    method: 'delete',
    path: '/manage_tokens/session',
    summary: "Token page: sign out (revokes the session's refresh-token chain, clears the cookie)",
    tags: TAGS,
    auth: 'none',
    responses: { 204: { description: 'Signed out.' }, 403: CSRF },
  },
];
