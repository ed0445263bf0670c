/**
 * The error catalogue: every error code Gatehouse answers with, its HTTP status and
 * the default message a caller sees. docs/errors.md is generated from this table and
 * checked for drift by a test. Messages never contain secrets or token material.
 */
export interface ErrorDefinition {
  readonly status: number;
  readonly message: string;
  /** Where the code is used: the data plane, the control plane, or both. */
  readonly plane: 'data' | 'control' | 'both';
}

export const ERROR_CATALOGUE = {
  bad_request: {
    status: 400,
    plane: 'both',
    message: 'The request could not be understood (malformed target, path or header).',
  },
  invalid_request: {
    status: 401,
    plane: 'both',
    message: 'The credentials in the request are malformed.',
  },
  invalid_token: {
    status: 401,
    plane: 'both',
    message: 'The credential presented is not valid.',
  },
  missing_credentials: {
    status: 401,
    plane: 'both',
    message: 'This endpoint requires authentication.',
  },
  insufficient_scope: {
    status: 403,
    plane: 'both',
    message: 'The credential lacks a scope this endpoint requires.',
  },
  forbidden: {
    status: 403,
    plane: 'both',
    message: 'The caller is not allowed to do this.',
  },
  no_deployment: {
    status: 404,
    plane: 'data',
    message: 'No deployment serves this host and path.',
  },
  not_found: {
    status: 404,
    plane: 'control',
    message: 'The object does not exist.',
  },
  method_not_allowed: {
    status: 405,
    plane: 'both',
    message: 'This method is not allowed on this resource.',
  },
  request_timeout: {
    status: 408,
    plane: 'data',
    message: 'The request was not received in time.',
  },
  conflict: {
    status: 409,
    plane: 'control',
    message: 'The request conflicts with the current state.',
  },
  precondition_failed: {
    status: 412,
    plane: 'control',
    message: 'The object changed since it was read (If-Match does not match its ETag); read it again.',
  },
  body_too_large: {
    status: 413,
    plane: 'both',
    message: 'The request body exceeds the size limit.',
  },
  unsupported_media_type: {
    status: 415,
    plane: 'control',
    message: 'The request body must be JSON (Content-Type: application/json).',
  },
  validation_failed: {
    status: 422,
    plane: 'control',
    message: 'The request body failed validation.',
  },
  rate_limited: {
    status: 429,
    plane: 'both',
    message: 'Too many requests; retry later.',
  },
  internal_error: {
    status: 500,
    plane: 'both',
    message: 'An internal error occurred.',
  },
  bad_gateway: {
    status: 502,
    plane: 'data',
    message: 'The upstream node failed to answer.',
  },
  deployment_disabled: {
    status: 503,
    plane: 'data',
    message: 'This deployment is disabled.',
  },
  no_healthy_node: {
    status: 503,
    plane: 'data',
    message: 'No healthy node can serve this deployment.',
  },
  auth_unavailable: {
    status: 503,
    plane: 'both',
    message: 'Credentials cannot be verified right now; retry later.',
  },
  unavailable: {
    status: 503,
    plane: 'both',
    message: 'The service is not ready or is shutting down.',
  },
  upstream_timeout: {
    status: 504,
    plane: 'data',
    message: 'The upstream node did not answer in time.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * An error with a catalogue code. `message` is safe to show to the caller; it must
 * never include a credential. `headers` are added to the HTTP answer
 * (WWW-Authenticate, Retry-After).
 */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Structured extra detail for JSON bodies (e.g. a list of blocking objects). */
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { headers?: Record<string, string>; details?: unknown; cause?: unknown },
  ) {
    super(message ?? ERROR_CATALOGUE[code].message, options?.cause ? { cause: options.cause } : undefined);
    this.name = 'GatehouseError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.headers = options?.headers;
    this.details = options?.details;
  }
}

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  requestId: string;
  details?: unknown;
}

export function errorBody(err: GatehouseError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: err.code, message: err.message, requestId };
  if (err.details !== undefined) body.details = err.details;
  return body;
}
