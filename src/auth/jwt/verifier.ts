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
import { checkHeader, type HeaderCheck } from './header-checks.js';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.js';
import type { LiveKey } from './key-life.js';
import type { KeyLookup, KeySource } from './key-source.js';
import { decodeJwt, type DecodedJwt } from './peek.js';
import { reject } from './rejections.js';
import { signatureOf, signingInputOf, verifySignature } from './signature.js';
import { StaticKeySource } from './static-keys.js';
import type { JwtVerification, JwtVerifier, JwtVerifierDeps } from './types.js';
import { normalizeTyp, validateClaims, type ClaimRules } from './validate-claims.js';

const UNKNOWN_KID = reject('unknown_kid', 'unknown signing key');
const BAD_SIGNATURE = reject('bad_signature', 'signature verification failed');
const ALG_MISMATCH = reject('alg_not_allowed', 'signing algorithm does not match the signing key');
const UNSIGNED = reject('bad_signature', 'token is not signed');

interface Prepared {
  readonly jwt: DecodedJwt;
  readonly checked: Extract<HeaderCheck, { ok: true }>;
}

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
    allowInsecureHttp: provider.allowInsecureHttp,
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
  private readonly headerChecks = new WeakMap<object, HeaderCheck>();

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
    const prepared = this.prepare(token, already);
    if (!('jwt' in prepared)) return prepared;
    const { alg, kid } = prepared.checked;
    return this.finish(token, prepared.jwt, alg, await this.keys.lookup(alg, kid));
  }

  verifyNow(token: string, already?: DecodedJwt): JwtVerification | undefined {
    const prepared = this.prepare(token, already);
    if (!('jwt' in prepared)) return prepared;
    const { alg, kid } = prepared.checked;
    const lookup = this.keys.lookupNow(alg, kid);
    return lookup === undefined ? undefined : this.finish(token, prepared.jwt, alg, lookup);
  }

  /** Structure and header checks, before any key is looked up. */
  private prepare(token: string, already: DecodedJwt | undefined): Prepared | JwtVerification {
    let decoded = already;
    if (!decoded) {
      const result = decodeJwt(token);
      if (!result.ok) return reject(result.reason, result.description);
      decoded = result.jwt;
    }
    // The header segment is usually the same for every token of an issuer (peek.ts shares
    // its decoded object), so its check is remembered per header object.
    let checked = this.headerChecks.get(decoded.header);
    if (!checked) {
      checked = checkHeader(decoded.header, this.allowed);
      this.headerChecks.set(decoded.header, checked);
    }
    if (!checked.ok) return checked.rejection;
    if (decoded.signatureLength === 0) return UNSIGNED;
    return { jwt: decoded, checked };
  }

  /** Signature with the looked-up keys, then the claims. Synchronous: no promise on this path. */
  private finish(token: string, decoded: DecodedJwt, alg: JwsAlgorithm, lookup: KeyLookup): JwtVerification {
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
    const signature = signatureOf(token, dot);
    const signingInput = signingInputOf(alg, token, dot);
    let verifiedBy: LiveKey | undefined;
    for (const k of lookup.keys)
      if (verifySignature(alg, k.key, signingInput, signature)) {
        verifiedBy = k;
        break;
      }
    if (!verifiedBy) return BAD_SIGNATURE;

    const { header } = decoded;
    const payload = decoded.payload as JWTPayload;
    const nowSec = Math.floor(this.deps.clock.now() / 1000);
    const invalid =
      validateClaims(header, payload, this.claimRules, this.expectedTyp, nowSec) ??
      checkExtraClaims(payload, this.rules, nowSec);
    if (invalid) return invalid;
    return { ok: true, claims: payload, header, expiresAt: this.validUntilMs(payload), key: verifiedBy.life };
  }

  /**
   * Until when the verification holds: `exp`, or `iat + maxTokenAgeSec` when that comes
   * first (the token is then refused as too_old), so the verified-token cache, which
   * serves an entry until this time, never admits a token this verifier would refuse.
   */
  private validUntilMs(payload: JWTPayload): number {
    const exp = payload.exp ?? 0;
    const maxAge = this.claimRules.maxTokenAgeSec;
    if (maxAge === undefined || payload.iat === undefined) return exp * 1000;
    return Math.min(exp, payload.iat + maxAge) * 1000;
  }
}

/** Builds the verifier of one configured provider. Call start() before traffic. */
export function createJwtVerifier(provider: ProviderConfig, deps: JwtVerifierDeps): JwtVerifier {
  return new ProviderJwtVerifier(provider, deps);
}
