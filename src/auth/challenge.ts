import { GatehouseError, type ErrorCode } from '../errors.js';

/** Quotes a value for an auth-param (RFC 7235 quoted-string), dropping characters that cannot appear. */
function quote(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`;
}

export interface ChallengeOptions {
  /** RFC 6750 error code (omitted when the request simply had no credentials). */
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  readonly description?: string;
  /** Required scopes, for insufficient_scope. */
  readonly scope?: readonly string[];
  /** Also offer Basic (deployments accepting API keys through Basic). */
  readonly basic?: boolean;
}

/** A WWW-Authenticate value per RFC 6750 (plus a Basic challenge when relevant). */
export function wwwAuthenticate(options: ChallengeOptions): string {
  let bearer = 'Bearer realm="gatehouse"';
  if (options.error) bearer += `, error="${options.error}"`;
  if (options.description) bearer += `, error_description=${quote(options.description)}`;
  if (options.scope && options.scope.length > 0) bearer += `, scope=${quote(options.scope.join(' '))}`;
  return options.basic ? `${bearer}, Basic realm="gatehouse", charset="UTF-8"` : bearer;
}

/** A 401/403 error carrying its challenge header. The description is safe to show (no secrets). */
export function authError(
  code: Extract<
    ErrorCode,
    'invalid_request' | 'invalid_token' | 'missing_credentials' | 'insufficient_scope'
  >,
  description: string | undefined,
  options: { basic?: boolean; scope?: readonly string[] } = {},
): GatehouseError {
  const error = code === 'missing_credentials' ? undefined : code;
  const header = wwwAuthenticate({
    ...(error ? { error } : {}),
    ...(description && error ? { description } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.basic ? { basic: true } : {}),
  });
  return new GatehouseError(code, description, { headers: { 'www-authenticate': header } });
}
