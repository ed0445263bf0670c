/**
 * `GatehouseClient`: HTTP with a Gatehouse credential. `fetch` adds the bearer token,
 * retries idempotent requests on connection errors, 429 and 502/503/504, and on a 401
 * `invalid_token` gets a fresh JWT once and repeats the request; it resolves with the
 * answer whatever its status. The token-API helpers throw typed errors instead.
 */
import { Auth } from './auth.js';
import { errorFromAnswer } from './errors.js';
import { login, logout, type LoginOptions, type LoginResult, type LogoutResult } from './login.js';
import type { AuthOptions } from './options.js';
import {
  createPersonalToken,
  deleteToken,
  endpoint,
  listTokens,
  me,
  type CreatedPersonalToken,
  type Me,
  type PersonalToken,
} from './token-api.js';
import { Headers, type RequestInit, type Response } from './transport.js';

export interface ClientOptions extends AuthOptions {
  /** An Auth to share between clients (otherwise one is made from these options). */
  readonly auth?: Auth;
  /** Relative URLs given to `fetch` are resolved against this (default: the Gatehouse URL). */
  readonly baseUrl?: string;
}

export interface FetchInit extends RequestInit {
  /** Retry this request although its method is not idempotent (repeating it is safe). */
  readonly retryUnsafe?: boolean;
}

/** A 401 saying the bearer is no longer good (RFC 6750 `invalid_token`). */
async function invalidToken(res: Response): Promise<boolean> {
  if (res.status !== 401) return false;
  if (/error="invalid_token"/.test(res.headers.get('www-authenticate') ?? '')) return true;
  try {
    const body = (await res.clone().json()) as { error?: unknown };
    return body.error === 'invalid_token';
  } catch {
    return false;
  }
}

export class GatehouseClient {
  readonly auth: Auth;

  constructor(private readonly options: ClientOptions = {}) {
    this.auth = options.auth ?? new Auth(options);
  }

  /** fetch with the bearer token, retries and one refresh on a 401 `invalid_token`. */
  async fetch(input: string | URL, init: FetchInit = {}): Promise<Response> {
    const transport = await this.auth.transport();
    const url = new URL(input, this.options.baseUrl ?? (await this.auth.url()));
    const { retryUnsafe, ...rest } = init;
    const send = async (token: string): Promise<Response> => {
      const headers = new Headers(rest.headers);
      headers.set('authorization', `Bearer ${token}`);
      return transport.send(url, { ...rest, headers }, { retryUnsafe: retryUnsafe === true });
    };
    const token = await this.auth.getToken();
    const res = await send(token);
    if (!(await invalidToken(res)) || !(await this.auth.canRefresh())) return res;
    await res.body?.cancel().catch(() => undefined);
    const fresh = await this.auth.refresh(token);
    return send(fresh.jwt);
  }

  /** fetch, then the body as JSON; a non-2xx answer throws the typed error. */
  async json<T>(input: string | URL, init: FetchInit = {}): Promise<T> {
    const res = await this.fetch(input, init);
    const text = await res.text();
    if (!res.ok) throw errorFromAnswer(res.status, res.headers, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Who the credential belongs to (`GET /api/v1/users/me`). */
  async me(): Promise<Me> {
    return me(this.sender(), await this.auth.url());
  }

  async listTokens(): Promise<PersonalToken[]> {
    return listTokens(this.sender(), await this.auth.url());
  }

  async createPersonalToken(request: {
    name: string;
    expiresAt: Date | string;
    scopes?: readonly string[];
  }): Promise<CreatedPersonalToken> {
    return createPersonalToken(this.sender(), await this.auth.url(), request);
  }

  /** Irreversible. */
  async deleteToken(id: string): Promise<void> {
    return deleteToken(this.sender(), await this.auth.url(), id);
  }

  /** The password grant with a refresh token, saved like `gatehouse login`; this client then uses it. */
  async login(options: LoginOptions): Promise<LoginResult> {
    const result = await login({
      configFile: this.options.configFile,
      env: this.options.env,
      tokenInfoPath: this.options.tokenInfoPath,
      retry: this.options.retry,
      ...options,
    });
    await this.auth.reset();
    return result;
  }

  /** Revokes the saved login on the server and removes it from the file, like `gatehouse logout`. */
  async logout(): Promise<LogoutResult> {
    const result = await logout({
      configFile: this.options.configFile,
      env: this.options.env,
      tokenInfoPath: this.options.tokenInfoPath,
      retry: this.options.retry,
    });
    await this.auth.reset();
    return result;
  }

  async close(): Promise<void> {
    await this.auth.close();
  }

  private sender() {
    return (url: URL, init: RequestInit): Promise<Response> => this.fetch(url, init);
  }
}

export { endpoint };
