export type {
  CreateJwtVerifier,
  JwtAccepted,
  JwtRejectReason,
  JwtRejection,
  JwtUnavailable,
  JwtVerification,
  JwtVerifier,
  JwtVerifierDeps,
} from './types.js';
export { createJwtVerifier } from './verifier.js';
export { decodeJwt, MAX_TOKEN_BYTES, peekJwt, type PeekedJwt } from './peek.js';
