/**
 * Signing keys generated per test run (never committed): RSA-2048, EC P-256/P-384,
 * Ed25519 key pairs and HMAC secrets, each exported as JWK and PEM so a test can
 * configure a provider any way it likes and sign tokens with the private half.
 *
 *   const rsa = await generateKeyPairFor('RS256', 'rsa-1');
 *   const token = await new SignJWT({...}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
 *   provider = { type: 'publicKey', keys: [{ kid: 'rsa-1', pem: rsa.publicPem }], ... }
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export type TestAsymmetricAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface TestKeyPair {
  readonly alg: TestAsymmetricAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use: "sig"`, as a JWKS publishes it. */
  readonly publicJwk: JWK;
  /** Private JWK with `kid` and `alg` (for servers that sign, e.g. oidc-provider). */
  readonly privateJwk: JWK;
  /** SPKI PEM of the public key. */
  readonly publicPem: string;
}

export interface TestHmacSecret {
  readonly kid: string;
  /** 43 characters of base64url (32 random bytes), used as its UTF-8 bytes like config secrets. */
  readonly secret: string;
  /** The bytes jose signs with. */
  readonly bytes: Uint8Array;
}

export async function generateKeyPairFor(alg: TestAsymmetricAlg, kid: string): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk, privateJwk, publicPem: await exportSPKI(publicKey) };
}

/** The same key material under another kid (cheaper than generating an RSA key). */
export function withKid(pair: TestKeyPair, kid: string): TestKeyPair {
  return { ...pair, kid, publicJwk: { ...pair.publicJwk, kid }, privateJwk: { ...pair.privateJwk, kid } };
}

export function generateHmacSecret(kid: string, bytes = 48): TestHmacSecret {
  const secret = randomBytes(bytes).toString('base64url');
  return { kid, secret, bytes: new TextEncoder().encode(secret) };
}

/** The usual set: one key per family plus an "attacker" RSA key nobody trusts. */
export interface TestKeys {
  readonly rsa: TestKeyPair;
  readonly ec: TestKeyPair;
  readonly ed25519: TestKeyPair;
  readonly hmac: TestHmacSecret;
  readonly attacker: TestKeyPair;
}

export async function generateTestKeys(): Promise<TestKeys> {
  const [rsa, ec, ed25519, attacker] = await Promise.all([
    generateKeyPairFor('RS256', 'rsa-1'),
    generateKeyPairFor('ES256', 'ec-1'),
    generateKeyPairFor('EdDSA', 'ed-1'),
    generateKeyPairFor('RS256', 'rsa-1'),
  ]);
  return { rsa, ec, ed25519, attacker, hmac: generateHmacSecret('hs-1') };
}

/** A JWKS document publishing the public halves of these pairs. */
export function jwksOf(...pairs: readonly TestKeyPair[]): { keys: JWK[] } {
  return { keys: pairs.map((p) => p.publicJwk) };
}
