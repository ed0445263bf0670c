/**
 * One provider's JWT verifier. Order of checks, cheapest and least trusting first:
 * size and shape (peek) → header (alg allowlist, key references, crit, kid) → signature
 * present → key lookup (static or JWKS) → signature and standard claims (jose, time from
 * the injected clock) → extra claim rules.
 */
import { jwtVerify, type JWTVerifyOptions } from 'jose';
import type { ProviderConfig } from '../../config/schema-auth.js';
import { allowedAlgorithms, isAsymmetricAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { checkExtraClaims, type ExtraClaimRules } from './claims.js';
import { checkHeader } from './header-checks.js';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.js';
import type { KeySource } from './key-source.js';
import { decodeJwt } from './peek.js';
import { reject, rejectionFromJose, type ClaimContext } from './rejections.js';
import { StaticKeySource } from './static-keys.js';
import type { JwtVerification, JwtVerifier, JwtVerifierDeps } from './types.js';

const UNKNOWN_KID = reject('unknown_kid', 'unknown signing key');
const BAD_SIGNATURE = reject('bad_signature', 'signature verification failed');
const ALG_MISMATCH = reject('alg_not_allowed', 'signing algorithm does not match the signing key');
const UNSIGNED = reject('bad_signature', 'token is not signed');

/** The jose options a provider's config implies (currentDate is added per call). */
function joseOptions(provider: ProviderConfig): JWTVerifyOptions {
  const requiredClaims = new Set(['exp', ...provider.requiredClaims]);
  if (provider.maxLifetimeSec !== undefined) requiredClaims.add('iat');
  const options: JWTVerifyOptions = {
    audience: provider.audiences,
    clockTolerance: provider.clockToleranceSec,
    requiredClaims: [...requiredClaims],
  };
  if (provider.issuer !== undefined) options.issuer = provider.issuer;
  if (provider.maxTokenAgeSec !== undefined) options.maxTokenAge = provider.maxTokenAgeSec;
  if (provider.tokenType !== undefined) options.typ = provider.tokenType;
  return options;
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
  private readonly options: JWTVerifyOptions;
  private readonly rules: ExtraClaimRules;
  private readonly keys: KeySource;

  constructor(
    private readonly provider: ProviderConfig,
    private readonly deps: JwtVerifierDeps,
  ) {
    this.providerId = provider.id;
    this.issuer = provider.issuer;
    this.allowed = allowedAlgorithms(provider);
    this.options = joseOptions(provider);
    this.rules = { clockToleranceSec: provider.clockToleranceSec, maxLifetimeSec: provider.maxLifetimeSec };
    this.keys = createKeySource(provider, this.allowed, deps);
  }

  start(): Promise<void> {
    return this.keys.start();
  }

  stop(): void {
    this.keys.stop();
  }

  async verify(token: string): Promise<JwtVerification> {
    const decoded = decodeJwt(token);
    if (!decoded.ok) return reject(decoded.reason, decoded.description);
    const { header, payload, signatureLength } = decoded.jwt;
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

    const nowMs = this.deps.clock.now();
    const options: JWTVerifyOptions = {
      ...this.options,
      algorithms: [checked.alg],
      currentDate: new Date(nowMs),
    };
    const context: ClaimContext = {
      payload,
      maxTokenAgeSec: this.provider.maxTokenAgeSec,
      tokenType: this.provider.tokenType,
    };
    for (const key of lookup.keys) {
      try {
        const result = await jwtVerify(token, key, options);
        const extra = checkExtraClaims(result.payload, this.rules, Math.floor(nowMs / 1000));
        if (extra) return extra;
        return {
          ok: true,
          claims: result.payload,
          header: result.protectedHeader,
          expiresAt: (result.payload.exp ?? 0) * 1000,
        };
      } catch (error) {
        const rejection = rejectionFromJose(error, context);
        if (rejection) return rejection;
      }
    }
    return BAD_SIGNATURE;
  }
}

/** Builds the verifier of one configured provider. Call start() before traffic. */
export function createJwtVerifier(provider: ProviderConfig, deps: JwtVerifierDeps): JwtVerifier {
  return new ProviderJwtVerifier(provider, deps);
}
