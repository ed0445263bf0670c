/**
 * Turns key material (HMAC secrets, PEM public keys, JWKs) into WebCrypto keys, once per
 * key and algorithm, when a provider starts or a JWKS is fetched — never per token.
 * Error messages name the problem, never the material.
 */
import { KeyObject, X509Certificate, createHash, createPublicKey, createSecretKey } from 'node:crypto';
import { importJWK, type CryptoKey } from 'jose';
import type { AsymmetricAlgorithm, HmacAlgorithm } from '../../config/schema-auth.js';
import { algorithmsForKeyType, type JwsAlgorithm } from './algorithms.js';

/** One key ready to verify one algorithm (a node:crypto KeyObject, see signature.ts). */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
  readonly key: KeyObject;
  /**
   * Identifies the key material, its kid and the algorithms it may verify across fetches
   * and reloads (the same for every algorithm of one key); a secret appears only hashed.
   */
  readonly fingerprint: string;
}

export class KeyImportError extends Error {
  override readonly name = 'KeyImportError';
}

const MIN_RSA_BITS = 2048;
/** JWK members that only a private or secret key has: such a key is never accepted as a verification key. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;
/** The public members kept for import (use, key_ops, ext and alg are checked, not passed on). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

export function importHmacSecret(
  secret: string,
  kid: string | undefined,
  algorithms: Iterable<HmacAlgorithm>,
): Promise<VerificationKey[]> {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const fingerprint = `hmac:${kid ?? ''}:${createHash('sha256').update(secret).digest('base64url')}`;
  return Promise.resolve([...algorithms].map((alg) => ({ kid, alg, key, fingerprint })));
}

/**
 * A public JWK (as published in a JWKS or written in config) → one key per algorithm it
 * can verify among `allowed`. `use` other than `sig`, `key_ops` without `verify`, an `alg`
 * outside the allowlist, private members and RSA moduli under 2048 bits are refused.
 */
export async function importPublicJwk(
  jwk: Readonly<Record<string, unknown>>,
  kid: string | undefined,
  allowed: ReadonlySet<JwsAlgorithm>,
): Promise<VerificationKey[]> {
  if (PRIVATE_MEMBERS.some((m) => jwk[m] !== undefined))
    throw new KeyImportError('key is a private or secret key, not a public key');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new KeyImportError('key "use" is not "sig"');
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    throw new KeyImportError('key "key_ops" does not include "verify"');
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string')
    throw new KeyImportError('key "alg" is not a string');
  const candidates = algorithmsForKeyType(jwk.kty, jwk.crv).filter(
    (alg) => allowed.has(alg) && (jwk.alg === undefined || jwk.alg === alg),
  );
  if (candidates.length === 0)
    throw new KeyImportError('key type or "alg" fits none of the allowed algorithms');
  const clean: Record<string, unknown> = {};
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) clean[member] = jwk[member];
  // The algorithms are part of it: a JWKS that narrows a key's `alg` ends the
  // verifications it made with an algorithm it no longer allows.
  const fingerprint = `jwk:${JSON.stringify([kid ?? null, ...PUBLIC_MEMBERS.map((m) => clean[m] ?? null), candidates])}`;
  const keys: VerificationKey[] = [];
  for (const alg of candidates) {
    let key: CryptoKey;
    try {
      const imported = await importJWK(clean, alg);
      if (imported instanceof Uint8Array) throw new KeyImportError('not a public key');
      key = imported;
    } catch (error) {
      if (error instanceof KeyImportError) throw error;
      throw new KeyImportError(`key could not be imported for ${alg}`);
    }
    checkStrength(alg, key);
    keys.push({ kid, alg, key: KeyObject.from(key), fingerprint });
  }
  return keys;
}

function checkStrength(alg: AsymmetricAlgorithm, key: CryptoKey): void {
  if (!alg.startsWith('RS') && !alg.startsWith('PS')) return;
  const algorithm = key.algorithm as { modulusLength?: number };
  if ((algorithm.modulusLength ?? 0) < MIN_RSA_BITS)
    throw new KeyImportError(`RSA key shorter than ${MIN_RSA_BITS} bits`);
}

/** A PEM public key (SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`) or an X.509 certificate. */
export async function importPublicPem(
  pem: string,
  kid: string | undefined,
  allowed: ReadonlySet<JwsAlgorithm>,
): Promise<VerificationKey[]> {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    throw new KeyImportError('PEM holds a private key; configure the public key only');
  let jwk: Record<string, unknown>;
  try {
    const keyObject = pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey({ key: pem, format: 'pem' });
    jwk = keyObject.export({ format: 'jwk' });
  } catch {
    throw new KeyImportError('PEM is not a valid public key or certificate');
  }
  return importPublicJwk(jwk, kid, allowed);
}
