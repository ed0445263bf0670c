/**
 * Validation of the public keys written in the config (`publicKey` providers'
 * `keys[].pem` and `keys[].jwk`), at parse time, so `check-config` refuses a key that
 * `start` could not import, naming its key path (`providers[0].keys[1].pem`). It applies
 * the same rules as the verifier's importer (src/auth/jwt/import-keys.ts), synchronously
 * with node:crypto: no private key where a public key belongs, RSA of at least 2048 bits,
 * a key type that fits one of the provider's algorithms, `use`/`key_ops`/`alg` that allow
 * verification. Messages describe the problem, never the key material.
 */
import { X509Certificate, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { AsymmetricAlgorithm } from './schema-providers.js';

const MIN_RSA_BITS = 2048;
/** Members only a private or secret JWK has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;
/** The members the importer keeps (use, key_ops, ext and alg are checked, not imported). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

const RSA_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Readonly<Record<string, AsymmetricAlgorithm>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};

/** Algorithms a key of this JWK `kty`/`crv` can verify (as src/auth/jwt/algorithms.ts). */
function algorithmsFor(kty: unknown, crv: unknown): readonly AsymmetricAlgorithm[] {
  if (kty === 'RSA') return RSA_ALGORITHMS;
  if (kty === 'EC' && typeof crv === 'string') {
    const alg = EC_ALGORITHMS[crv];
    return alg ? [alg] : [];
  }
  if (kty === 'OKP' && crv === 'Ed25519') return ['EdDSA'];
  return [];
}

function describeKeyType(kty: unknown, crv: unknown): string {
  const short = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 20) : typeof v);
  if (kty === 'RSA') return 'an RSA key';
  if (kty === 'EC') return `an EC ${short(crv)} key`;
  if (kty === 'OKP') return `an OKP ${short(crv)} key`;
  return kty === undefined ? 'a key without "kty"' : `a key of kty ${short(kty)}`;
}

/** What is wrong with a public JWK for these algorithms, or undefined when it imports. */
export function jwkProblem(
  jwk: Readonly<Record<string, unknown>>,
  algorithms: readonly AsymmetricAlgorithm[],
): string | undefined {
  const secret = PRIVATE_MEMBERS.find((m) => jwk[m] !== undefined);
  if (secret !== undefined)
    return `is a private or secret key (it has "${secret}"); configure the public key only`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return '"use" must be "sig" for a verification key';
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return '"key_ops" must include "verify"';
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') return '"alg" must be a string';
  const fitting = algorithmsFor(jwk.kty, jwk.crv).filter(
    (alg) => algorithms.includes(alg) && (jwk.alg === undefined || jwk.alg === alg),
  );
  if (fitting.length === 0) {
    const which = jwk.alg === undefined ? describeKeyType(jwk.kty, jwk.crv) : `"alg" ${String(jwk.alg)}`;
    return `${which} fits none of the provider's algorithms (${algorithms.join(', ')})`;
  }
  const clean: Record<string, unknown> = {};
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) clean[member] = jwk[member];
  let key: KeyObject;
  try {
    // Members of the wrong type make createPublicKey throw, which is the answer we want.
    key = createPublicKey({ key: clean as JsonWebKey, format: 'jwk' });
  } catch {
    return 'is not a valid public key (it cannot be imported)';
  }
  return rsaProblem(key);
}

function rsaProblem(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < MIN_RSA_BITS ? `RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required` : undefined;
}

/** What is wrong with a PEM public key or certificate for these algorithms, or undefined. */
export function pemProblem(pem: string, algorithms: readonly AsymmetricAlgorithm[]): string | undefined {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem))
    return 'holds a private key; configure the public key only (a PUBLIC KEY PEM or a certificate)';
  let jwk: Record<string, unknown>;
  try {
    const key = pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey({ key: pem, format: 'pem' });
    jwk = { ...key.export({ format: 'jwk' }) };
  } catch {
    return 'is not a PEM public key or certificate';
  }
  return jwkProblem(jwk, algorithms);
}

interface PublicKeyEntries {
  readonly algorithms: readonly AsymmetricAlgorithm[];
  readonly keys: readonly ({ readonly pem: string } | { readonly jwk: Readonly<Record<string, unknown>> })[];
}

/** The publicKey provider's refinement: one issue per unusable key, at `keys[j].pem` or `keys[j].jwk`. */
export function checkPublicKeys(provider: PublicKeyEntries, ctx: z.RefinementCtx): void {
  provider.keys.forEach((entry, j) => {
    const [field, problem] =
      'pem' in entry
        ? (['pem', pemProblem(entry.pem, provider.algorithms)] as const)
        : (['jwk', jwkProblem(entry.jwk, provider.algorithms)] as const);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['keys', j, field], message: problem });
  });
}
