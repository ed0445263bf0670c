/**
 * The credentials of the auth scenarios. Per run: an API key, an HMAC secret, one HS256
 * and one RS256 token. Cached under bench/results/auth/ (git-ignored) so that repeated
 * runs do not sign again: the RSA-2048 key, and the cold scenario's distinct RS256
 * tokens, keyed by the key's fingerprint (RFC 7638 thumbprint, also the `kid`).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateSecret, hashApiKey, SECRET_PREFIXES } from '../../src/auth/api-key-hash.js';
import { REPO_ROOT } from '../paths.js';
import { jsonSegment, signHs256, signRs256, type Claims } from './jwt.js';

export const BENCH_ISSUER = 'https://issuer.bench.test';
export const BENCH_AUDIENCE = 'https://api.bench.test';

/** Distinct tokens of the cold scenario; it shrinks the token cache far below this (see scenarios.ts). */
export const COLD_TOKEN_COUNT = 20_000;

const CACHE_DIR = join(REPO_ROOT, 'bench', 'results', 'auth');
const KEY_FILE = join(CACHE_DIR, 'rs256-key.pem');
/** Bump when the cold tokens' claims change, so that cached files are not reused. */
const COLD_FORMAT = 1;
const DAY_SEC = 86_400;
const SIGN_BATCH = 256;

export interface AuthMaterial {
  /** Sent as `X-API-Key`. */
  readonly apiKey: string;
  /** `sha256:<hex>` for the configuration. */
  readonly apiKeyHash: string;
  /** 43 base64url characters (32 random bytes), used as UTF-8 like a configured secret. */
  readonly hmacSecret: string;
  readonly hs256Token: string;
  /** JWK thumbprint of the cached RSA key: the `kid`, and the cold tokens' cache key. */
  readonly rsaKid: string;
  /** Where the upstream serves the JWKS of the RSA key. */
  readonly jwksUrl: string;
  readonly rs256Token: string;
  /**
   * A headers file of COLD_TOKEN_COUNT `Authorization: Bearer <token>` lines, each token
   * distinct; signed once per key and cached on disk (the first run signs, about
   * 1 ms of CPU per token).
   */
  coldTokensFile(): Promise<string>;
  /**
   * The same for HS256 with the run's secret: COLD_TOKEN_COUNT distinct tokens, signed
   * per run (an HMAC costs a few µs) into the run's temp folder.
   */
  hs256ColdTokensFile(): Promise<string>;
}

async function writeAtomically(path: string, data: string, mode = 0o644): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, data, { mode });
  await rename(temp, path);
}

async function loadOrCreateRsaKey(): Promise<KeyObject> {
  if (existsSync(KEY_FILE)) return createPrivateKey(await readFile(KEY_FILE, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await mkdir(CACHE_DIR, { recursive: true });
  await writeAtomically(KEY_FILE, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  return privateKey;
}

/** RFC 7638 thumbprint of an RSA public key: SHA-256 over {"e","kty","n"} in that order. */
function thumbprint(publicJwk: { e?: string; n?: string }): string {
  const canonical = JSON.stringify({ e: publicJwk.e, kty: 'RSA', n: publicJwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

function claims(subject: string, lifetimeSec: number, extra: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: BENCH_ISSUER,
    aud: BENCH_AUDIENCE,
    sub: subject,
    scope: 'items:read',
    iat: now,
    exp: now + lifetimeSec,
    ...extra,
  };
}

/** A cached cold-token file still fits when it has every line and its tokens are valid for a day. */
async function usableColdFile(path: string, kid: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
  const token = lines[0]?.replace(/^Authorization: Bearer /, '');
  const header = token === undefined ? undefined : jsonSegment(token, 0);
  const payload = token === undefined ? undefined : jsonSegment(token, 1);
  return (
    lines.length === COLD_TOKEN_COUNT &&
    header?.kid === kid &&
    payload?.iss === BENCH_ISSUER &&
    payload.aud === BENCH_AUDIENCE &&
    typeof payload.exp === 'number' &&
    payload.exp > Date.now() / 1000 + DAY_SEC
  );
}

async function signColdTokens(key: KeyObject, kid: string, path: string): Promise<void> {
  const startedAt = performance.now();
  console.log(
    `  signing ${COLD_TOKEN_COUNT} distinct RS256 tokens for the cold scenario (once per key; cached in ${path})`,
  );
  const lines: string[] = [];
  for (let first = 0; first < COLD_TOKEN_COUNT; first += SIGN_BATCH) {
    const batch = Array.from({ length: Math.min(SIGN_BATCH, COLD_TOKEN_COUNT - first) }, (_, j) => {
      const i = first + j;
      return signRs256(claims(`bench-user-${i}`, 5 * 365 * DAY_SEC, { jti: `cold-${i}` }), key, kid);
    });
    for (const token of await Promise.all(batch)) lines.push(`Authorization: Bearer ${token}`);
  }
  await writeAtomically(path, `${lines.join('\n')}\n`);
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(
    `  signed in ${seconds.toFixed(1)} s (${((seconds * 1000) / COLD_TOKEN_COUNT).toFixed(2)} ms wall per token)`,
  );
}

async function writeHs256ColdTokens(secret: string, path: string): Promise<string> {
  const lines = Array.from({ length: COLD_TOKEN_COUNT }, (_, i) => {
    const token = signHs256(claims(`bench-user-${i}`, DAY_SEC, { jti: `cold-hs-${i}` }), secret);
    return `Authorization: Bearer ${token}`;
  });
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * Prepares the credentials and writes the JWKS to `jwksFile`, which the upstream serves
 * at `jwksUrl`.
 */
export async function prepareAuthMaterial(jwksFile: string, jwksUrl: string): Promise<AuthMaterial> {
  const privateKey = await loadOrCreateRsaKey();
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = thumbprint(publicJwk);
  await writeFile(jwksFile, JSON.stringify({ keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] }));
  const apiKey = generateSecret(SECRET_PREFIXES.apiKey);
  const hmacSecret = generateSecret('');
  const coldPath = join(CACHE_DIR, `rs256-cold-${kid}-${COLD_TOKEN_COUNT}-v${COLD_FORMAT}.headers`);
  let cold: Promise<string> | undefined;
  let hsCold: Promise<string> | undefined;
  return {
    apiKey,
    apiKeyHash: hashApiKey(apiKey),
    hmacSecret,
    hs256Token: signHs256(claims('bench-user', DAY_SEC), hmacSecret),
    rsaKid: kid,
    jwksUrl,
    rs256Token: await signRs256(claims('bench-user', DAY_SEC), privateKey, kid),
    coldTokensFile: () =>
      (cold ??= (async () => {
        if (!(await usableColdFile(coldPath, kid))) await signColdTokens(privateKey, kid, coldPath);
        return coldPath;
      })()),
    hs256ColdTokensFile: () =>
      (hsCold ??= writeHs256ColdTokens(hmacSecret, join(dirname(jwksFile), 'hs256-cold.headers'))),
  };
}
