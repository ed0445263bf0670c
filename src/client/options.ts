/** What `Auth` and `GatehouseClient` accept (docs/clients.md describes each). */
import type { RetryOptions } from './retry.js';
import type { TlsSettings } from './tls.js';

export interface AuthOptions extends TlsSettings {
  /** Where Gatehouse's token endpoints are (the admin listener, or the prefix publishing it). */
  readonly url?: string;
  /** A Gatehouse JWT used as is (never refreshed), or a personal API token (`ghp_…`). */
  readonly token?: string;
  /** The client id a refresh token was issued to. */
  readonly clientId?: string;
  /** A refresh token (`ghr_…`): JWTs are obtained and refreshed with it. */
  readonly refreshToken?: string;
  /** A user name and password: JWTs are obtained with the password grant. */
  readonly username?: string;
  readonly password?: string;
  /** The CLI's saved login (default `$GATEHOUSE_CONFIG`, then `~/.gatehouse/config.yaml`). */
  readonly configFile?: string;
  /**
   * The token-info file shared between processes (default `$GATEHOUSE_TOKEN_INFO_PATH`,
   * then `~/.gatehouse/token_info.json`); `false` keeps tokens in memory only.
   */
  readonly tokenInfoPath?: string | false;
  /** Refresh this many seconds before a JWT expires (default 30; at most half its lifetime). */
  readonly leewaySec?: number;
  /**
   * Rotate the refresh token on each refresh. Default: yes when the new one can be written
   * back (the CLI's file, or `onRefreshTokenRotated` given), no otherwise (environment).
   */
  readonly rotateRefreshToken?: boolean;
  /** Called with a rotated refresh token before the old one is forgotten: persist it here. */
  readonly onRefreshTokenRotated?: (refreshToken: string) => void | Promise<void>;
  readonly retry?: RetryOptions;
  /** The environment to read (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

export const DEFAULT_LEEWAY_SEC = 30;
