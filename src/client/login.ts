/**
 * Logging in and out the way `ksctl login`/`logout` do, shared by the CLI and the SDK.
 * Login: the password grant with a refresh token, saved with URL, user name and client
 * id to the CLI's file (atomically, 0600, under its lock). A login already saved for the
 * same URL and user keeps its client id, so the server replaces (and revokes) that chain;
 * one for another URL or user is revoked once the new login has succeeded. Logout revokes
 * the saved refresh token on the server and removes it from the file.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { cliConfigPath, readSavedLogin, writeSavedLogin, type SavedLogin } from './cli-config.js';
import { ConfigurationError } from './errors.js';
import { withFileLock } from './files.js';
import { retryPolicy, type RetryOptions } from './retry.js';
import { passwordGrant, revokeRefreshToken } from './token-api.js';
import { fingerprint, TokenInfoFile, tokenInfoPath } from './token-info.js';
import type { TlsSettings } from './tls.js';
import { Transport } from './transport.js';

export interface LoginOptions extends TlsSettings {
  /** Default: the saved login's, then `$GATEHOUSE_URL`. */
  readonly url?: string | undefined;
  /** Default: the saved login's. */
  readonly username?: string | undefined;
  readonly password: string;
  /** Absolute lifetime of the login (refresh-token chain), seconds; the server's default when absent. */
  readonly lifetimeSec?: number | undefined;
  /** Inactivity timeout, seconds. */
  readonly unusedLifeSec?: number | undefined;
  readonly clientId?: string | undefined;
}

interface FileOptions {
  readonly configFile?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly tokenInfoPath?: string | false | undefined;
  readonly retry?: RetryOptions | undefined;
}

export interface LoginResult {
  readonly url: string;
  readonly username: string;
  readonly clientId: string;
  /** Seconds until the login ends, from the server's answer. */
  readonly expiresInSec: number | undefined;
  readonly expiresAt: string | undefined;
  /** What happened to a login saved before: none, replaced by the server (same client), revoked, or revoking it failed. */
  readonly previous: 'none' | 'replaced' | 'revoked' | 'revoke_failed';
  readonly configPath: string;
}

export interface LogoutResult {
  /** False when the server no longer knew the token (expired or revoked before). */
  readonly revoked: boolean;
  readonly configPath: string;
}

const sameUrl = (a: string, b: string): boolean =>
  new URL(a).href.replace(/\/+$/, '') === new URL(b).href.replace(/\/+$/, '');

function tlsOf(source: TlsSettings): TlsSettings {
  return { cacert: source.cacert, nosslverify: source.nosslverify, certFolder: source.certFolder };
}

/** A client id naming this machine, unique per login. */
export function newCliClientId(): string {
  const host =
    hostname()
      .replace(/[^\x21-\x7e]/g, '')
      .slice(0, 60) || 'host';
  return `gatehouse-cli-${host}-${randomBytes(6).toString('hex')}`;
}

async function forgetCachedToken(options: FileOptions, url: string, clientId: string): Promise<void> {
  if (options.tokenInfoPath === false) return;
  const file = new TokenInfoFile(tokenInfoPath(options.tokenInfoPath, options.env ?? process.env));
  const key = fingerprint(url, { kind: 'refresh', refreshToken: '', clientId, from: 'saved-login' });
  await file.locked(() => file.write(key, url, undefined));
}

export async function login(options: LoginOptions & FileOptions): Promise<LoginResult> {
  const env = options.env ?? process.env;
  const configPath = cliConfigPath(options.configFile, env);
  return withFileLock(configPath, async () => {
    const saved: SavedLogin = (await readSavedLogin(configPath)) ?? {};
    const url = options.url ?? saved.url ?? (env.GATEHOUSE_URL || undefined);
    const username = options.username ?? saved.username;
    if (!url) throw new ConfigurationError('no Gatehouse URL: give --url (or url)');
    if (!username) throw new ConfigurationError('no user name: give --user (or username)');
    try {
      new URL(url);
    } catch {
      throw new ConfigurationError(`the Gatehouse URL is not a URL: ${url}`);
    }
    const sameTarget = saved.url !== undefined && sameUrl(saved.url, url);
    const explicitTls =
      options.cacert !== undefined || options.nosslverify !== undefined || options.certFolder !== undefined;
    const tls = explicitTls ? tlsOf(options) : sameTarget ? tlsOf(saved) : {};
    const oldChain = saved.refreshToken !== undefined && saved.url !== undefined ? saved : undefined;
    const sameChain = oldChain !== undefined && sameTarget && saved.username === username && !!saved.clientId;
    const clientId = options.clientId ?? (sameChain ? saved.clientId : undefined) ?? newCliClientId();
    const transport = new Transport(tls, retryPolicy(options.retry));
    try {
      const answer = await passwordGrant(transport, url, {
        username,
        password: options.password,
        clientId,
        issueRefreshToken: true,
        refreshTokenLifetime: options.lifetimeSec,
        refreshTokenUnusedLife: options.unusedLifeSec,
      });
      if (answer.refresh_token === undefined) throw new Error('the server answered no refresh token');
      let previous: LoginResult['previous'] = 'none';
      if (oldChain?.refreshToken !== undefined && oldChain.url !== undefined) {
        if (sameChain && answer.client_id === saved.clientId) previous = 'replaced';
        else previous = await revokeOld(oldChain.url, oldChain.refreshToken, tlsOf(saved), options.retry);
      }
      const { refreshToken: _r, clientId: _c, refreshExpiresAt: _e, ...kept } = sameTarget ? saved : {};
      await writeSavedLogin(configPath, {
        ...kept,
        url,
        username,
        clientId: answer.client_id,
        refreshToken: answer.refresh_token,
        ...(answer.refresh_expires_at === undefined ? {} : { refreshExpiresAt: answer.refresh_expires_at }),
        ...tls,
      });
      await forgetCachedToken(options, url, answer.client_id);
      return {
        url,
        username,
        clientId: answer.client_id,
        expiresInSec: answer.refresh_token_expires_in,
        expiresAt: answer.refresh_expires_at,
        previous,
        configPath,
      };
    } finally {
      await transport.close();
    }
  });
}

async function revokeOld(
  url: string,
  refreshToken: string,
  tls: TlsSettings,
  retry: RetryOptions | undefined,
): Promise<'revoked' | 'revoke_failed' | 'none'> {
  const transport = new Transport(tls, retryPolicy(retry));
  try {
    return (await revokeRefreshToken(transport, url, refreshToken)).revoked ? 'revoked' : 'none';
  } catch {
    return 'revoke_failed';
  } finally {
    await transport.close();
  }
}

export async function logout(options: FileOptions = {}): Promise<LogoutResult> {
  const configPath = cliConfigPath(options.configFile, options.env ?? process.env);
  return withFileLock(configPath, async () => {
    const saved = await readSavedLogin(configPath);
    if (!saved?.refreshToken || !saved.clientId || !saved.url)
      throw new ConfigurationError(
        `login token and client id must exist in ${configPath} configuration file`,
      );
    const transport = new Transport(tlsOf(saved), retryPolicy(options.retry));
    let revoked: boolean;
    try {
      revoked = (await revokeRefreshToken(transport, saved.url, saved.refreshToken)).revoked;
    } finally {
      await transport.close();
    }
    const { refreshToken: _r, clientId, refreshExpiresAt: _e, ...kept } = saved;
    await writeSavedLogin(configPath, kept);
    await forgetCachedToken(options, saved.url, clientId);
    return { revoked, configPath };
  });
}
