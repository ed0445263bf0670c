/**
 * The contract between the gate and JWT verification: one verifier per configured
 * provider, built once when the plan is compiled, answering every token with a value.
 */
import type { JWSHeaderParameters, JWTPayload } from 'jose';
import type { Clock } from '../../clock.js';
import type { ProviderConfig } from '../../config/schema-auth.js';
import type { Logger } from '../../observability/log.js';
import type { KeyLife } from './key-life.js';
import type { DecodedJwt } from './peek.js';
import type { GatehouseMetrics } from '../../observability/metrics.js';

/** Why a token was refused. Each maps to 401 `invalid_token`. */
export type JwtRejectReason =
  | 'malformed'
  | 'too_large'
  | 'alg_not_allowed'
  | 'header_key_reference'
  | 'crit_unsupported'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'lifetime_too_long'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'wrong_type';

/** A refusal: `description` is safe to show the caller (never token, secret or key material). */
export interface JwtRejection {
  readonly ok: false;
  readonly unavailable: false;
  readonly reason: JwtRejectReason;
  readonly description: string;
}

/** The provider's keys cannot be known right now (JWKS down past its grace): 503, never 401. */
export interface JwtUnavailable {
  readonly ok: false;
  readonly unavailable: true;
  readonly reason: 'keys_unavailable';
  readonly description: string;
}

export interface JwtAccepted {
  readonly ok: true;
  readonly claims: Readonly<JWTPayload>;
  readonly header: Readonly<JWSHeaderParameters>;
  /**
   * Epoch ms of `exp`, or of `iat + maxTokenAgeSec` when that comes first: a cached
   * verification is not reused from then on (only a fresh one, with the clock tolerance).
   */
  readonly expiresAt: number;
  /** The life of the key that verified the signature: a cached verification ends with it. */
  readonly key: KeyLife;
}

export type JwtVerification = JwtAccepted | JwtRejection | JwtUnavailable;

export interface JwtVerifier {
  readonly providerId: string;
  /** Expected issuer (from config; with discovery the document must name the same one). */
  readonly issuer: string | undefined;
  /**
   * Get the keys ready before traffic. Resolves even when a JWKS fetch failed (verify then
   * answers unavailable while a background retry runs); rejects only when statically
   * configured key material is unusable (a configuration error).
   */
  start(): Promise<void>;
  /**
   * Never throws for a bad token; the answer is a value. `decoded` (from decodeJwt on the
   * same token) saves decoding it again when the caller already did.
   */
  verify(token: string, decoded?: DecodedJwt): Promise<JwtVerification>;
  /**
   * The same answer synchronously when the keys are in memory; undefined when only
   * verify() can answer (keys being fetched). The cold-token path tries this first.
   */
  verifyNow?(token: string, decoded?: DecodedJwt): JwtVerification | undefined;
  /** Stops timers, aborts an in-flight fetch and retires the keys. Idempotent. */
  stop(): void;
}

export interface JwtVerifierDeps {
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}

export type CreateJwtVerifier = (provider: ProviderConfig, deps: JwtVerifierDeps) => JwtVerifier;
