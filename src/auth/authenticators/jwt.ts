import { NOT_MINE, rejected, type Authenticator, type AuthnResult } from '../authenticator.js';
import { looksLikeJwt } from '../credentials.js';
import { decodeJwt, type DecodedJwt } from '../jwt/peek.js';
import type { JwtVerification } from '../jwt/types.js';
import type { RevocationList } from '../revocation.js';
import { VerifiedTokenCache, type VerifiedToken } from '../token-cache.js';
import type { MaybePromise } from '../types.js';
import type { VerifierHandle } from '../verifier-registry.js';
import type { GatehouseMetrics } from '../../observability/metrics.js';
import { identityFromClaims } from './claim-identity.js';

export interface JwtAuthenticatorOptions {
  /** This deployment's providers, in configuration order. */
  readonly verifiers: readonly VerifierHandle[];
  readonly cache: VerifiedTokenCache;
  readonly revocations: RevocationList;
  readonly metrics: GatehouseMetrics;
  /** Name of the method (`jwt`, or `gatehouse` for Gatehouse's own tokens). */
  readonly method?: 'jwt' | 'gatehouse';
}

/**
 * Bearer JWTs from configured providers. A cache hit answers synchronously; a miss picks
 * the provider by the token's `iss` (never by trying each) and, when the provider's keys
 * are in memory, verifies synchronously too (no promise, no microtask hop); only a miss
 * that must wait for keys goes async, once even when many requests carry the same new
 * token. The identity is cached until `exp` at the latest.
 */
export function createJwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const method = options.method ?? 'jwt';
  const byIssuer = new Map<string, VerifierHandle>();
  let issuerless: VerifierHandle | undefined;
  for (const handle of options.verifiers) {
    const issuer = handle.verifier.issuer;
    if (issuer === undefined) issuerless ??= handle;
    else if (!byIssuer.has(issuer)) byIssuer.set(issuer, handle);
  }
  const accepted = new Set(options.verifiers.map((v) => v.key));
  const pending = new Map<string, Promise<AuthnResult>>();
  const hits = options.metrics.tokenCache.labels(method, 'hit');
  const misses = options.metrics.tokenCache.labels(method, 'miss');

  /** A verification's answer: identity mapped, revocation checked, cached. Synchronous. */
  const admit = (handle: VerifierHandle, cacheKey: string, verification: JwtVerification): AuthnResult => {
    if (!verification.ok)
      return verification.unavailable
        ? { outcome: 'unavailable', reason: verification.reason, description: verification.description }
        : rejected(verification.reason, verification.description);
    const mapped = identityFromClaims(verification.claims, handle.provider, method, verification.expiresAt);
    // Checked before caching: a token whose identity cannot be forwarded faithfully is never admitted.
    if (!mapped.ok) return rejected(mapped.reason, mapped.description);
    const identity = mapped.identity;
    if (options.revocations.isRevoked(identity)) return rejected('revoked', 'The token has been revoked.');
    const result: AuthnResult = Object.freeze({ outcome: 'authenticated', identity });
    const entry: VerifiedToken = {
      verifierKey: handle.key,
      identity,
      expiresAt: verification.expiresAt,
      key: verification.key,
      result,
    };
    // A token the cache declines (seen for the first time, or expiring now) never shows
    // this identity again: the gate need not remember anything for it.
    return options.cache.set(cacheKey, entry)
      ? result
      : { outcome: 'authenticated', identity, transient: true };
  };

  const verify = async (
    handle: VerifierHandle,
    token: string,
    cacheKey: string,
    decoded: DecodedJwt,
  ): Promise<AuthnResult> => admit(handle, cacheKey, await handle.verifier.verify(token, decoded));

  return {
    method,
    schemes: ['Bearer'],
    authenticate(credentials): MaybePromise<AuthnResult> {
      const token = credentials.bearer;
      if (token === undefined || !looksLikeJwt(token)) return NOT_MINE;
      const cacheKey = VerifiedTokenCache.keyOf(token);
      const cached = options.cache.get(cacheKey);
      if (cached && accepted.has(cached.verifierKey)) {
        hits.inc();
        return cached.result;
      }
      misses.inc();
      const decoded = decodeJwt(token);
      if (!decoded.ok) return rejected(decoded.reason, `The token is malformed: ${decoded.description}.`);
      const iss = decoded.jwt.payload.iss;
      const handle = (typeof iss === 'string' ? byIssuer.get(iss) : undefined) ?? issuerless;
      if (!handle) return rejected('wrong_issuer', 'Tokens from this issuer are not accepted here.');
      const inFlight = pending.get(cacheKey);
      if (inFlight) return inFlight;
      // Keys in memory (the usual case): verified here and now, without a promise.
      const now = handle.verifier.verifyNow?.(token, decoded.jwt);
      if (now !== undefined) return admit(handle, cacheKey, now);
      const promise = verify(handle, token, cacheKey, decoded.jwt).finally(() => pending.delete(cacheKey));
      pending.set(cacheKey, promise);
      return promise;
    },
  };
}
