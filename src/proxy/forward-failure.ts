/**
 * How a failed upstream exchange is classified: the answer the client gets, whether the
 * node counts as unreachable (passive ejection, retry of idempotent requests), and
 * whether the request never left Gatehouse (retry of any method). No undici import:
 * errors are told apart by their `code`.
 */
import { BodyTooLargeError } from './body-limit.js';

/** Why forwarding failed, in the terms the data plane answers with. */
export interface ForwardFailure {
  readonly code: 'bad_gateway' | 'upstream_timeout' | 'body_too_large' | 'client_gone';
  /** The node could not be reached at all: eligible for a retry elsewhere and for passive ejection. */
  readonly connectionFailure: boolean;
  /**
   * Nothing of the request left Gatehouse: no connection to the node was ever
   * established for it (refused, connect timeout, DNS failure, TLS handshake failure).
   * undici hands a request to a connection (onConnect) before writing any byte of it;
   * these failures come before that. Any method may then go to another node.
   */
  readonly notSent: boolean;
  /** A short machine-readable reason for logs and metrics (never contains request data). */
  readonly reason: string;
  /** For `upstream_tls_error`: what the TLS layer said (error code and message), for the log. */
  readonly tlsError?: string;
}

export class ClientGoneError extends Error {
  readonly code = 'GATEHOUSE_CLIENT_GONE';
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** TLS handshake failures (certificate checks, protocol errors) as Node and OpenSSL name them. */
const TLS_HANDSHAKE_ERROR =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/;

/**
 * `requestSent`: undici had handed the request to a connection (onConnect) when it
 * failed, so bytes of it may have reached the node.
 */
export function classifyFailure(err: unknown, responseStarted: boolean, requestSent = true): ForwardFailure {
  if (err instanceof BodyTooLargeError)
    return { code: 'body_too_large', connectionFailure: false, notSent: false, reason: 'body_too_large' };
  if (err instanceof ClientGoneError)
    return { code: 'client_gone', connectionFailure: false, notSent: false, reason: 'client_gone' };
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    const connectionFailure = code === 'UND_ERR_CONNECT_TIMEOUT' && !responseStarted;
    return {
      code: 'upstream_timeout',
      connectionFailure,
      notSent: connectionFailure && !requestSent,
      reason: code,
    };
  }
  const connectionFailure = !responseStarted && CONNECTION_ERRORS.has(code);
  if (TLS_HANDSHAKE_ERROR.test(code)) {
    const message = err instanceof Error ? err.message.slice(0, 300) : '';
    return {
      code: 'bad_gateway',
      connectionFailure: false,
      notSent: !requestSent && !responseStarted,
      reason: 'upstream_tls_error',
      tlsError: `${code}: ${message}`,
    };
  }
  return {
    code: 'bad_gateway',
    connectionFailure,
    notSent: !requestSent && !responseStarted && (connectionFailure || TLS_HANDSHAKE_ERROR.test(code)),
    reason: code,
  };
}
