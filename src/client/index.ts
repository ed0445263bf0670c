/**
 * The Gatehouse client SDK (`import { GatehouseClient, Auth } from 'gatehouse/client'`):
 * credentials from arguments, environment or the CLI's saved login; JWTs cached in
 * memory and a shared token-info file, refreshed before expiry and once on a 401;
 * retries with backoff; typed errors. docs/clients.md shows the common uses.
 */
export { Auth } from './auth.js';
export { GatehouseClient, type ClientOptions, type FetchInit } from './client.js';
export {
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  GatehouseError,
  PermissionError,
  RateLimitError,
  TokenExpiredError,
} from './errors.js';
export { login, logout, type LoginOptions, type LoginResult, type LogoutResult } from './login.js';
export type { AuthOptions } from './options.js';
export type { RetryOptions } from './retry.js';
export type { TlsSettings } from './tls.js';
export type { CreatedPersonalToken, Me, PersonalToken, TokenAnswer } from './token-api.js';
