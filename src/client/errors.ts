/**
 * The SDK's typed errors. Every error a Gatehouse answer causes carries the server's
 * `error` code, `message` and `requestId`; the class says what a caller can do about it
 * (sign in again, ask for a permission, wait). Messages never contain a token.
 */

export interface ErrorFacts {
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  /** The server's error code (`invalid_token`, `forbidden`, …) or the SDK's own. */
  readonly error: string;
  readonly message: string;
  readonly requestId?: string | undefined;
}

/** Any failure of a Gatehouse call. */
export class GatehouseError extends Error {
  readonly status: number;
  readonly error: string;
  readonly requestId: string | undefined;

  constructor(facts: ErrorFacts) {
    super(facts.message);
    this.name = new.target.name;
    this.status = facts.status;
    this.error = facts.error;
    this.requestId = facts.requestId;
  }
}

/** 401: the credential is missing, wrong, revoked, or cannot be refreshed. Sign in again. */
export class AuthenticationError extends GatehouseError {}

/** 401 for a credential that has expired (a JWT past `exp`, a refresh token past its lifetime). */
export class TokenExpiredError extends AuthenticationError {}

/** 403: authenticated, but not allowed (a missing scope or privilege). */
export class PermissionError extends GatehouseError {}

/** 429: too many requests. `retryAfter` is in seconds (undefined when the server gave none). */
export class RateLimitError extends GatehouseError {
  readonly retryAfter: number | undefined;

  constructor(facts: ErrorFacts, retryAfter: number | undefined) {
    super(facts);
    this.retryAfter = retryAfter;
  }
}

/** No answer: connection refused or reset, TLS failure, or the deadline passed. */
export class ConnectionError extends GatehouseError {}

/** Credentials given in conflicting or incomplete ways (says which inputs conflict). */
export class ConfigurationError extends GatehouseError {
  constructor(message: string) {
    super({ status: 0, error: 'configuration', message });
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

interface ErrorBodyShape {
  readonly error?: unknown;
  readonly message?: unknown;
  readonly requestId?: unknown;
}

/** The typed error for a non-2xx answer whose body has been read as text. */
export function errorFromAnswer(
  status: number,
  headers: { get(name: string): string | null },
  bodyText: string,
  expired = false,
): GatehouseError {
  let body: ErrorBodyShape = {};
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (typeof parsed === 'object' && parsed !== null) body = parsed;
  } catch {
    // not JSON: keep the status only
  }
  const facts: ErrorFacts = {
    status,
    error: typeof body.error === 'string' ? body.error : `http_${status}`,
    message: typeof body.message === 'string' ? body.message : `HTTP ${status}`,
    requestId:
      typeof body.requestId === 'string' ? body.requestId : (headers.get('x-request-id') ?? undefined),
  };
  switch (status) {
    case 401:
      return expired || /\bexpired\b/i.test(facts.message)
        ? new TokenExpiredError(facts)
        : new AuthenticationError(facts);
    case 403:
      return new PermissionError(facts);
    case 429:
      return new RateLimitError(facts, parseRetryAfter(headers.get('retry-after')));
    default:
      return new GatehouseError(facts);
  }
}
