/**
 * Calls to Gatehouse's token endpoints (docs/tokens.md), typed. Grants are sent with
 * retries although they are POSTs: repeating a grant is safe (a lost rotation answer is
 * covered by the server's reuse grace). Non-2xx answers become typed errors.
 */
import { errorFromAnswer, GatehouseError } from './errors.js';
import type { RequestInit, Response, Transport } from './transport.js';

export interface TokenAnswer {
  readonly jwt: string;
  /** JWT lifetime, seconds. */
  readonly duration: number;
  readonly token_type: 'Bearer';
  readonly refresh_token?: string;
  /** With a refresh token: seconds until its chain ends. */
  readonly refresh_token_expires_in?: number;
  /** With a refresh token: when its chain ends, ISO 8601. */
  readonly refresh_expires_at?: string;
  readonly client_id: string;
}

export interface Me {
  readonly username: string;
  readonly groups: string[];
  readonly scopes: string[];
  readonly tokenType: 'jwt' | 'personal' | 'external';
  readonly expiresAt: string | null;
}

export interface PersonalToken {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes?: string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
}

export interface CreatedPersonalToken extends PersonalToken {
  /** The token itself: shown this once. */
  readonly token: string;
}

export interface PasswordGrant {
  readonly username: string;
  readonly password: string;
  readonly clientId?: string | undefined;
  readonly issueRefreshToken?: boolean | undefined;
  /** Seconds. */
  readonly refreshTokenLifetime?: number | undefined;
  readonly refreshTokenUnusedLife?: number | undefined;
}

/** `base` with exactly one trailing slash, so relative paths keep a prefix such as /gatehouse. */
export function endpoint(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : `${base}/`);
}

async function json<T>(res: Response, expired = false): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw errorFromAnswer(res.status, res.headers, text, expired);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/**
 * A POST whose body carries a credential (a password or a refresh token). Redirects are
 * not followed: fetch would send a 307/308's body on to the new location, whatever its
 * origin or scheme (https to http included), where the Authorization header is dropped
 * but the body is not.
 */
async function post<T>(transport: Transport, url: URL, body: unknown): Promise<T> {
  const init: RequestInit = {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
    redirect: 'manual',
  };
  const res = await transport.send(url, init, { retryUnsafe: true });
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get('location');
    throw new GatehouseError({
      status: res.status,
      error: 'redirected',
      message: `${url.origin} answered ${res.status} redirecting to ${location ?? '(no location)'}: a request carrying credentials is not sent on (give the Gatehouse URL it should go to)`,
      requestId: res.headers.get('x-request-id') ?? undefined,
    });
  }
  return json<T>(res);
}

export function passwordGrant(
  transport: Transport,
  base: string,
  grant: PasswordGrant,
): Promise<TokenAnswer> {
  return post(transport, endpoint(base, 'api/v1/auth/tokens'), {
    grant_type: 'password',
    username: grant.username,
    password: grant.password,
    issueRefreshToken: grant.issueRefreshToken ?? false,
    ...(grant.clientId === undefined ? {} : { clientId: grant.clientId }),
    ...(grant.refreshTokenLifetime === undefined ? {} : { refreshTokenLifetime: grant.refreshTokenLifetime }),
    ...(grant.refreshTokenUnusedLife === undefined
      ? {}
      : { refreshTokenUnusedLife: grant.refreshTokenUnusedLife }),
  });
}

export function refreshGrant(
  transport: Transport,
  base: string,
  refreshToken: string,
  options: { rotate: boolean; clientId?: string | undefined },
): Promise<TokenAnswer> {
  return post(transport, endpoint(base, 'api/v1/auth/tokens'), {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    issueRefreshToken: options.rotate,
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
  });
}

export function revokeRefreshToken(
  transport: Transport,
  base: string,
  refreshToken: string,
): Promise<{ revoked: boolean }> {
  return post(transport, endpoint(base, 'api/v1/auth/revoke'), { refresh_token: refreshToken });
}

/** An authenticated call to a user endpoint; `send` adds the bearer and handles refresh-on-401. */
export type AuthorizedSend = (url: URL, init: RequestInit) => Promise<Response>;

export async function me(send: AuthorizedSend, base: string): Promise<Me> {
  return json<Me>(await send(endpoint(base, 'api/v1/users/me'), { headers: { accept: 'application/json' } }));
}

export async function listTokens(send: AuthorizedSend, base: string): Promise<PersonalToken[]> {
  const res = await send(endpoint(base, 'api/v1/tokens'), { headers: { accept: 'application/json' } });
  return (await json<{ tokens: PersonalToken[] }>(res)).tokens;
}

export async function createPersonalToken(
  send: AuthorizedSend,
  base: string,
  request: { name: string; expiresAt: Date | string; scopes?: readonly string[] | undefined },
): Promise<CreatedPersonalToken> {
  const expiresAt = request.expiresAt instanceof Date ? request.expiresAt.toISOString() : request.expiresAt;
  const res = await send(endpoint(base, 'api/v1/tokens'), {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({
      name: request.name,
      expiresAt,
      ...(request.scopes === undefined ? {} : { scopes: request.scopes }),
    }),
  });
  return json<CreatedPersonalToken>(res);
}

export async function deleteToken(send: AuthorizedSend, base: string, id: string): Promise<void> {
  const res = await send(endpoint(base, `api/v1/tokens/${encodeURIComponent(id)}`), { method: 'DELETE' });
  await json<unknown>(res);
}
