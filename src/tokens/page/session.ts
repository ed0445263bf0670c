/**
 * The /manage_tokens page's session endpoints. Signing in runs the password grant with
 * a short refresh-token chain of its own (client id `manage-tokens-page-…`, 8 h, 1 h
 * unused); the refresh token goes into a cookie the page's script cannot read
 * (`HttpOnly; Secure; SameSite=Strict`) and is rotated on every renewal; the JWT goes to
 * the script. The cookie has no Path on purpose: browsers then scope it to the folder of
 * these endpoints, `<prefix>/manage_tokens`, right on the admin listener and behind a
 * gateway prefix alike. `Secure` is always set: over plain http a browser keeps it only
 * for localhost, elsewhere the page falls back to "session expired, sign in again".
 *
 * CSRF: every endpoint here (all change state) requires the `X-Gatehouse-CSRF: 1` header,
 * which a cross-site page cannot send without a CORS preflight this listener never
 * grants; refuses `Sec-Fetch-Site` other than `same-origin`; and refuses an `Origin`
 * whose host is not this one (`Host` or `X-Forwarded-Host`). SameSite=Strict already
 * keeps the cookie off cross-site requests. The token API calls carry the JWT as a
 * bearer header, which a browser never adds by itself, so they are not forgeable either.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { authError } from '../../auth/challenge.js';
import { GatehouseError } from '../../errors.js';
import { parseBody } from '../api-schemas.js';
import { passwordGrant, refreshGrant, revoke, type GrantDeps, type TokenAnswer } from '../grants.js';

export const PAGE_COOKIE = 'gatehouse_page_session';
export const PAGE_CLIENT_PREFIX = 'manage-tokens-page-';
const SESSION_LIFETIME_SEC = 8 * 3600;
const SESSION_UNUSED_SEC = 3600;
export const CSRF_HEADER = 'x-gatehouse-csrf';
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export const pageSignInSchema = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1024),
});

export const pageSessionSchema = z.object({
  jwt: z.string(),
  duration: z.number().int(),
  /** When the page session ends at the latest (sign in again then). */
  sessionExpiresAt: z.string().nullable(),
});

function refuseCrossSite(req: Request): void {
  const refuse = (why: string): never => {
    throw new GatehouseError('forbidden', `Request refused: ${why}.`);
  };
  if (req.get(CSRF_HEADER) !== '1') refuse(`the ${CSRF_HEADER} header is required`);
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') refuse('it comes from another site');
  const origin = req.get('origin');
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return refuse('its Origin is malformed');
    }
    const hosts = [req.get('host'), ...(req.get('x-forwarded-host') ?? '').split(',')].map((h) =>
      h?.trim().toLowerCase(),
    );
    if (!hosts.includes(host.toLowerCase())) refuse('it comes from another origin');
  }
}

function cookieValue(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === PAGE_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

const ATTRIBUTES = 'HttpOnly; Secure; SameSite=Strict';

function setSession(res: Response, answer: TokenAnswer): void {
  if (answer.refresh_token === undefined) throw new Error('the grant answered no refresh token');
  const maxAge = answer.refresh_token_expires_in ?? SESSION_LIFETIME_SEC;
  res.append('set-cookie', `${PAGE_COOKIE}=${answer.refresh_token}; Max-Age=${maxAge}; ${ATTRIBUTES}`);
}

function clearSession(res: Response): void {
  res.append('set-cookie', `${PAGE_COOKIE}=; Max-Age=0; ${ATTRIBUTES}`);
}

/** What the page's script gets: never the refresh token. */
function view(answer: TokenAnswer): z.infer<typeof pageSessionSchema> {
  return { jwt: answer.jwt, duration: answer.duration, sessionExpiresAt: answer.refresh_expires_at ?? null };
}

export function createPageSessionRouter(deps: GrantDeps): Router {
  const router = Router();

  router.post('/manage_tokens/session', async (req: Request, res: Response) => {
    refuseCrossSite(req);
    const body = parseBody(pageSignInSchema, req.body);
    const answer = await passwordGrant(deps, req, {
      grant_type: 'password',
      username: body.username,
      password: body.password,
      issueRefreshToken: true,
      refreshTokenLifetime: SESSION_LIFETIME_SEC,
      refreshTokenUnusedLife: SESSION_UNUSED_SEC,
      clientId: PAGE_CLIENT_PREFIX + randomBytes(12).toString('base64url'),
    });
    setSession(res, answer);
    res.set(NO_STORE).json(view(answer));
  });

  router.post('/manage_tokens/refresh', async (req: Request, res: Response) => {
    refuseCrossSite(req);
    const presented = cookieValue(req);
    if (presented === undefined) throw authError('missing_credentials', 'There is no page session.');
    let answer: TokenAnswer;
    try {
      answer = await refreshGrant(deps, req, {
        grant_type: 'refresh_token',
        refresh_token: presented,
        issueRefreshToken: true,
      });
    } catch (err) {
      if (err instanceof GatehouseError && err.status === 401) clearSession(res);
      throw err;
    }
    setSession(res, answer);
    res.set(NO_STORE).json(view(answer));
  });

  router.delete('/manage_tokens/session', async (req: Request, res: Response) => {
    refuseCrossSite(req);
    const presented = cookieValue(req);
    clearSession(res);
    if (presented !== undefined) await revoke(deps, req, { refresh_token: presented });
    res.status(204).set(NO_STORE).end();
  });

  return router;
}
