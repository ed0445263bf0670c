/**
 * One provider's JWT verifier. Order of checks, cheapest and least trusting first:
 * size and shape (peek) → header (alg allowlist, key references, crit, kid) → signature
 * present → key lookup (static or JWKS) → signature (node:crypto, signature.ts) →
 * standard claims (validate-claims.ts, time from the injected clock) → extra claim rules.
 */
import type { JWTPayload } from 'jose';
import type { ProviderConfig } from '../../config/schema-auth.js';
import { allowedAlgorithms, isAsymmetricAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { checkExtraClaims, type ExtraClaimRules } from './claims.js';
import { checkHeader } from './header-checks.js';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.js';
import type { KeySource } from './key-source.js';
import { decodeJwt, type DecodedJwt } from './peek.js';
import { reject } from './rejections.js';
import { verifySignature } from './signature.js';
import { StaticKeySource } from './static-keys.js';
import type { JwtVerification, JwtVerifier, JwtVerifierDeps } from './types.js';
import { normalizeTyp, validateClaims, type ClaimRules } from './validate-claims.js';

const UNKNOWN_KID = reject('unknown_kid', 'unknown signing key');
const BAD_SIGNATURE = reject('bad_signature', 'signature verification failed');
const ALG_MISMATCH = reject('alg_not_allowed', 'signing algorithm does not match the signing key');
const UNSIGNED = reject('bad_signature', 'token is not signed');

/** The claim rules a provider's config implies. */
function claimRules(provider: ProviderConfig): ClaimRules {
  const requiredClaims = new Set(['exp', ...provider.requiredClaims]);
  if (provider.maxLifetimeSec !== undefined) requiredClaims.add('iat');
  return {
    issuer: provider.issuer,
    audiences: provider.audiences,
    clockToleranceSec: provider.clockToleranceSec,
    maxTokenAgeSec: provider.maxTokenAgeSec,
    requiredClaims: [...requiredClaims],
    tokenType: provider.tokenType,
  };
}

function createKeySource(
  provider: ProviderConfig,
  allowed: ReadonlySet<JwsAlgorithm>,
  deps: JwtVerifierDeps,
): KeySource {
  if (provider.type !== 'jwks') return new StaticKeySource(provider, allowed);
  const tuning = provider.jwks;
  let source: JwksCacheOptions['source'];
  if (provider.discovery && provider.issuer !== undefined) source = { discoveryIssuer: provider.issuer };
  else if (provider.jwksUri !== undefined) source = { jwksUri: provider.jwksUri };
  else throw new Error(`provider ${provider.id}: give jwksUri, or set discovery with an issuer`);
  return new JwksCache({
    providerId: provider.id,
    source,
    algorithms: new Set([...allowed].filter(isAsymmetricAlgorithm)),
    cacheMaxAgeMs: tuning.cacheMaxAgeSec * 1000,
    minRefreshMs: tuning.minRefreshSec * 1000,
    unknownKidCooldownMs: tuning.unknownKidCooldownSec * 1000,
    fetchTimeoutMs: tuning.fetchTimeoutMs,
    outageGraceMs: tuning.outageGraceSec * 1000,
    ...deps,
  });
}

class ProviderJwtVerifier implements JwtVerifier {
  readonly providerId: string;
  readonly issuer: string | undefined;
  private readonly allowed: ReadonlySet<JwsAlgorithm>;
  private readonly claimRules: ClaimRules;
  private readonly expectedTyp: string | undefined;
  private readonly rules: ExtraClaimRules;
  private readonly keys: KeySource;

  constructor(
    provider: ProviderConfig,
    private readonly deps: JwtVerifierDeps,
  ) {
    this.providerId = provider.id;
    this.issuer = provider.issuer;
    this.allowed = allowedAlgorithms(provider);
    this.claimRules = claimRules(provider);
    this.expectedTyp = provider.tokenType === undefined ? undefined : normalizeTyp(provider.tokenType);
    this.rules = { clockToleranceSec: provider.clockToleranceSec, maxLifetimeSec: provider.maxLifetimeSec };
    this.keys = createKeySource(provider, this.allowed, deps);
  }

  start(): Promise<void> {
    return this.keys.start();
  }

  stop(): void {
    this.keys.stop();
  }

  async verify(token: string, already?: DecodedJwt): Promise<JwtVerification> {
    let decoded = already;
    if (!decoded) {
      const result = decodeJwt(token);
      if (!result.ok) return reject(result.reason, result.description);
      decoded = result.jwt;
    }
    const { header, signatureLength } = decoded;
    const payload = decoded.payload as JWTPayload;
    const checked = checkHeader(header, this.allowed);
    if (!checked.ok) return checked.rejection;
    if (signatureLength === 0) return UNSIGNED;

    const lookup = await this.keys.lookup(checked.alg, checked.kid);
    switch (lookup.kind) {
      case 'unavailable':
        return { ok: false, unavailable: true, reason: 'keys_unavailable', description: lookup.description };
      case 'unknown_kid':
        return UNKNOWN_KID;
      case 'alg_mismatch':
        return ALG_MISMATCH;
      case 'keys':
        break;
    }

    const dot = token.lastIndexOf('.');
    const signingInput = token.slice(0, dot);
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    const verifiedBy = lookup.keys.find((k) => verifySignature(checked.alg, k.key, signingInput, signature));
    if (!verifiedBy) return BAD_SIGNATURE;

    const nowSec = Math.floor(this.deps.clock.now() / 1000);
    const invalid =
      validateClaims(header, payload, this.claimRules, this.expectedTyp, nowSec) ??
      checkExtraClaims(payload, this.rules, nowSec);
    if (invalid) return invalid;
    return { ok: true, claims: payload, header, expiresAt: (payload.exp ?? 0) * 1000, key: verifiedBy.life };
  }
}

/** Builds the verifier of one configured provider. Call start() before traffic. */
export function createJwtVerifier(provider: ProviderConfig, deps: JwtVerifierDeps): JwtVerifier {
  return new ProviderJwtVerifier(provider, deps);
}
