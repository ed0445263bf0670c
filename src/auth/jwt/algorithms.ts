/**
 * Which algorithms a provider accepts and which keys can verify which algorithm. The
 * provider schema already restricts each provider type to its family at the type level;
 * `allowedAlgorithms` checks it again at runtime so a hand-built config cannot mix them.
 */
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  type ProviderConfig,
} from '../../config/schema-auth.js';

export type JwsAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;

const HMAC = new Set<string>(HMAC_ALGORITHMS);
const ASYMMETRIC = new Set<string>(ASYMMETRIC_ALGORITHMS);

export const isHmacAlgorithm = (alg: string): alg is HmacAlgorithm => HMAC.has(alg);
export const isAsymmetricAlgorithm = (alg: string): alg is AsymmetricAlgorithm => ASYMMETRIC.has(alg);

/** The provider's allowlist, restricted to its family: HS* for hmac, asymmetric otherwise. */
export function allowedAlgorithms(provider: ProviderConfig): ReadonlySet<JwsAlgorithm> {
  const algorithms: readonly string[] = provider.algorithms;
  const allowed = new Set<JwsAlgorithm>();
  for (const alg of algorithms) {
    const fits = provider.type === 'hmac' ? isHmacAlgorithm(alg) : isAsymmetricAlgorithm(alg);
    if (!fits)
      throw new Error(`provider ${provider.id}: algorithm ${alg} is not allowed for type ${provider.type}`);
    allowed.add(alg as JwsAlgorithm);
  }
  return allowed;
}

const RSA_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Readonly<Record<string, AsymmetricAlgorithm>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};

/** Algorithms a public key of this JWK `kty`/`crv` can verify (before any allowlist). */
export function algorithmsForKeyType(kty: unknown, crv: unknown): readonly AsymmetricAlgorithm[] {
  if (kty === 'RSA') return RSA_ALGORITHMS;
  if (kty === 'EC' && typeof crv === 'string') {
    const alg = EC_ALGORITHMS[crv];
    return alg ? [alg] : [];
  }
  if (kty === 'OKP' && crv === 'Ed25519') return ['EdDSA'];
  return [];
}
