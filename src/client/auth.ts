/**
 * `Auth`: resolves credentials (credentials.ts), hands out a valid Gatehouse JWT, and
 * refreshes it before expiry with a leeway, or on demand after a 401. JWTs are cached in
 * memory and in the token-info file; a refresh happens under that file's lock after
 * re-reading it, so processes sharing it refresh once. A rotated refresh token is
 * written back to where it came from (the CLI's file, under its lock, or the caller's
 * callback) before the old one is dropped.
 */
import { readSavedLogin, writeSavedLogin } from './cli-config.js';
import { resolveCredentials, type Credential, type ResolvedCredentials } from './credentials.js';
import { AuthenticationError, ConfigurationError } from './errors.js';
import { withFileLock } from './files.js';
import { DEFAULT_LEEWAY_SEC, type AuthOptions } from './options.js';
import { retryPolicy } from './retry.js';
import { passwordGrant, refreshGrant, type TokenAnswer } from './token-api.js';
import { fingerprint, TokenInfoFile, tokenInfoPath, type CachedToken } from './token-info.js';
import { Transport } from './transport.js';

interface State {
  readonly resolved: ResolvedCredentials;
  readonly transport: Transport;
  readonly tokenInfo: TokenInfoFile | undefined;
  readonly key: string;
  readonly rotate: boolean;
}

export class Auth {
  private state: Promise<State> | undefined;
  private memory: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  /** The current refresh token of an `arguments` credential after rotations. */
  private rotatedRefreshToken: string | undefined;

  constructor(private readonly options: AuthOptions = {}) {}

  /** Where the token endpoints are. */
  async url(): Promise<string> {
    return (await this.ready()).resolved.url;
  }

  /** The HTTP transport (TLS settings and retries) this Auth uses. */
  async transport(): Promise<Transport> {
    return (await this.ready()).transport;
  }

  /** What was resolved: URL, credential kind and source, the CLI file consulted. */
  async resolved(): Promise<ResolvedCredentials> {
    return (await this.ready()).resolved;
  }

  /** Whether a rejected JWT can be replaced by a fresh one (not for a static token). */
  async canRefresh(): Promise<boolean> {
    return (await this.ready()).resolved.credential.kind !== 'static';
  }

  /** A JWT (or the static token) valid for at least the leeway. */
  async getToken(): Promise<string> {
    const state = await this.ready();
    const credential = state.resolved.credential;
    if (credential.kind === 'static') return credential.token;
    if (this.usable(this.memory)) return this.memory.jwt;
    const cached = await state.tokenInfo?.read(state.key);
    if (this.usable(cached)) {
      this.memory = cached;
      return cached.jwt;
    }
    return (await this.refresh()).jwt;
  }

  /**
   * A fresh JWT. With `rejected` (a JWT the server refused): another process's newer JWT
   * is taken from the token-info file if there is one; otherwise a grant is made.
   */
  async refresh(rejected?: string): Promise<CachedToken> {
    if (!this.inflight)
      this.inflight = this.refreshShared(rejected).finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** A new grant now, bypassing every cache (e.g. `gatehouse tokens create`); `rotate` overrides the default. */
  async issue(options: { rotate?: boolean } = {}): Promise<TokenAnswer> {
    const state = await this.ready();
    const credential = state.resolved.credential;
    if (credential.kind === 'static')
      throw new ConfigurationError(
        `the token from ${credential.from} is used as it is: a new token needs a refresh token or a user's password`,
      );
    const run = async (): Promise<TokenAnswer> => {
      const { answer, token } = await this.grant(state, options.rotate ?? state.rotate);
      this.memory = token;
      await state.tokenInfo?.write(state.key, state.resolved.url, token);
      return answer;
    };
    return state.tokenInfo ? state.tokenInfo.locked(run) : run();
  }

  /** Forgets cached tokens (memory and this credential's token-info entry) and re-resolves credentials. */
  async reset(): Promise<void> {
    const state = this.state ? await this.state.catch(() => undefined) : undefined;
    this.memory = undefined;
    this.rotatedRefreshToken = undefined;
    this.state = undefined;
    if (state?.tokenInfo) {
      const { tokenInfo } = state;
      await tokenInfo.locked(() => tokenInfo.write(state.key, state.resolved.url, undefined));
    }
    await state?.transport.close();
  }

  async close(): Promise<void> {
    const state = this.state ? await this.state.catch(() => undefined) : undefined;
    this.state = undefined;
    await state?.transport.close();
  }

  private ready(): Promise<State> {
    this.state ??= this.build();
    const state = this.state;
    state.catch(() => {
      if (this.state === state) this.state = undefined;
    });
    return state;
  }

  private async build(): Promise<State> {
    const resolved = await resolveCredentials(this.options);
    const env = this.options.env ?? process.env;
    const credential = resolved.credential;
    const writable =
      credential.kind === 'refresh' &&
      (credential.from === 'saved-login' ||
        (credential.from === 'arguments' && this.options.onRefreshTokenRotated !== undefined));
    if (this.options.rotateRefreshToken === true && credential.kind === 'refresh' && !writable)
      throw new ConfigurationError(
        credential.from === 'environment'
          ? 'rotateRefreshToken: a refresh token from GATEHOUSE_REFRESH_TOKEN cannot be written back; rotation would lose it'
          : 'rotateRefreshToken needs onRefreshTokenRotated to persist the new refresh token',
      );
    const infoPath =
      this.options.tokenInfoPath === false ? undefined : tokenInfoPath(this.options.tokenInfoPath, env);
    return {
      resolved,
      transport: new Transport(resolved.tls, retryPolicy(this.options.retry)),
      tokenInfo:
        infoPath === undefined || credential.kind === 'static' ? undefined : new TokenInfoFile(infoPath),
      key: fingerprint(resolved.url, credential),
      rotate: this.options.rotateRefreshToken ?? writable,
    };
  }

  private usable(token: CachedToken | undefined): token is CachedToken {
    if (!token) return false;
    const leewayMs = Math.min(
      (this.options.leewaySec ?? DEFAULT_LEEWAY_SEC) * 1000,
      (token.expiresAt - token.obtainedAt) / 2,
    );
    return Date.now() < token.expiresAt - leewayMs;
  }

  private async refreshShared(rejected: string | undefined): Promise<CachedToken> {
    const state = await this.ready();
    if (state.resolved.credential.kind === 'static')
      throw new AuthenticationError({
        status: 401,
        error: 'invalid_token',
        message: `the token from ${state.resolved.credential.from} was refused and cannot be refreshed`,
      });
    const run = async (): Promise<CachedToken> => {
      const cached = await state.tokenInfo?.read(state.key);
      if (this.usable(cached) && cached.jwt !== rejected) {
        this.memory = cached;
        return cached;
      }
      const { token } = await this.grant(state, state.rotate);
      this.memory = token;
      await state.tokenInfo?.write(state.key, state.resolved.url, token);
      return token;
    };
    return state.tokenInfo ? state.tokenInfo.locked(run) : run();
  }

  /** One grant from the credential; a rotated refresh token is persisted before this returns. */
  private async grant(state: State, rotate: boolean): Promise<{ answer: TokenAnswer; token: CachedToken }> {
    const { resolved, transport } = state;
    const startedAt = Date.now();
    const answer = await this.grantFor(resolved.credential, resolved, transport, rotate);
    return {
      answer,
      token: { jwt: answer.jwt, obtainedAt: startedAt, expiresAt: startedAt + answer.duration * 1000 },
    };
  }

  private async grantFor(
    credential: Credential,
    resolved: ResolvedCredentials,
    transport: Transport,
    rotate: boolean,
  ): Promise<TokenAnswer> {
    switch (credential.kind) {
      case 'static':
        throw new Error('a static token has no grant');
      case 'password':
        return passwordGrant(transport, resolved.url, credential);
      case 'refresh':
        if (credential.from === 'saved-login')
          // Under the CLI file's lock: another process may have rotated the token since we read it.
          return withFileLock(resolved.configPath, async () => {
            const saved = await readSavedLogin(resolved.configPath);
            if (!saved?.refreshToken)
              throw new AuthenticationError({
                status: 401,
                error: 'invalid_token',
                message: `no login is saved in ${resolved.configPath} any more (logged out?)`,
              });
            const answer = await refreshGrant(transport, resolved.url, saved.refreshToken, {
              rotate,
              clientId: saved.clientId,
            });
            if (answer.refresh_token !== undefined)
              await writeSavedLogin(resolved.configPath, {
                ...saved,
                refreshToken: answer.refresh_token,
                ...(answer.refresh_expires_at === undefined
                  ? {}
                  : { refreshExpiresAt: answer.refresh_expires_at }),
              });
            return answer;
          });
        {
          const answer = await refreshGrant(
            transport,
            resolved.url,
            this.rotatedRefreshToken ?? credential.refreshToken,
            { rotate, clientId: credential.clientId },
          );
          if (answer.refresh_token !== undefined) {
            await this.options.onRefreshTokenRotated?.(answer.refresh_token);
            this.rotatedRefreshToken = answer.refresh_token;
          }
          return answer;
        }
    }
  }
}
