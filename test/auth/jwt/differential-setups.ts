/**
 * The two verifiers compared by the differential test, configured alike: Gatehouse's
 * hand-written verifier (a provider parsed by the real schema, time from a ManualClock)
 * and jose's `jwtVerify` with `createLocalJWKSet` (or the HMAC secret) and the options
 * that say the same thing. Each answers a token with `ok` or a refusal; Gatehouse's
 * refusal is its reason, jose's is its error code.
 */
import { createLocalJWKSet, jwtVerify, type JWTVerifyOptions } from 'jose';
import { ManualClock } from '../../../src/clock.js';
import type { JwtVerifier } from '../../../src/auth/jwt/types.js';
import { createJwtVerifier } from '../../../src/auth/jwt/verifier.js';
import { jwksOf, type TestKeys } from '../../helpers/keys.js';
import {
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  FIXTURE_MAX_TOKEN_AGE_SEC,
  fixtureProvider,
  parseProvider,
} from '../../helpers/token-fixtures.js';
import { testDeps } from './support.js';

export const NOW_MS = Date.UTC(2026, 10, 22, 10, 0, 0);
export const NOW = NOW_MS / 1000;
export const TOLERANCE_SEC = 60;

export type Answer = { ok: true } | { ok: false; why: string };

export interface Pair {
  readonly gatehouse: (token: string) => Promise<Answer>;
  readonly jose: (token: string) => Promise<Answer>;
  stop(): void;
}

/**
 * `asymmetric`: the fixture provider (RS256, ES256, EdDSA; iss, aud, sub required;
 *   maxTokenAgeSec and maxLifetimeSec one day; 60 s tolerance).
 * `edges`: the same without maxLifetimeSec (jose has no such rule), for time edges.
 * `typed`: `edges` with tokenType `at+jwt`.
 * `hmac`: HS256 with one secret (kid hs-1), same claims rules minus the age limit.
 */
export type SetupName = 'asymmetric' | 'edges' | 'typed' | 'hmac';

async function gatehouseVerifier(provider: Record<string, unknown>, keys: TestKeys, hmac: boolean) {
  const config = hmac ? parseProvider(provider) : fixtureProvider(keys, 'publicKey', provider);
  const verifier: JwtVerifier = createJwtVerifier(config, testDeps(new ManualClock(NOW_MS)));
  await verifier.start();
  return verifier;
}

export async function buildPair(name: SetupName, keys: TestKeys): Promise<Pair> {
  const base: JWTVerifyOptions = {
    issuer: FIXTURE_ISSUER,
    audience: FIXTURE_AUDIENCE,
    clockTolerance: TOLERANCE_SEC,
    currentDate: new Date(NOW_MS),
  };
  let verifier: JwtVerifier;
  let joseVerify: (token: string) => Promise<unknown>;
  if (name === 'hmac') {
    verifier = await gatehouseVerifier(
      {
        id: 'hs',
        type: 'hmac',
        issuer: FIXTURE_ISSUER,
        audiences: [FIXTURE_AUDIENCE],
        clockToleranceSec: TOLERANCE_SEC,
        secrets: [{ kid: keys.hmac.kid, secret: keys.hmac.secret }],
      },
      keys,
      true,
    );
    const options = { ...base, algorithms: ['HS256'], requiredClaims: ['exp'] };
    joseVerify = (token) => jwtVerify(token, keys.hmac.bytes, options);
  } else {
    const extra =
      name === 'asymmetric'
        ? {}
        : { maxLifetimeSec: undefined, ...(name === 'typed' ? { tokenType: 'at+jwt' } : {}) };
    verifier = await gatehouseVerifier(extra, keys, false);
    const jwks = createLocalJWKSet(jwksOf(keys.rsa, keys.ec, keys.ed25519));
    const options: JWTVerifyOptions = {
      ...base,
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      maxTokenAge: FIXTURE_MAX_TOKEN_AGE_SEC,
      requiredClaims: ['exp', 'sub'],
      ...(name === 'typed' ? { typ: 'at+jwt' } : {}),
    };
    joseVerify = (token) => jwtVerify(token, jwks, options);
  }
  return {
    gatehouse: async (token) => {
      const result = await verifier.verify(token);
      return result.ok ? { ok: true } : { ok: false, why: result.reason };
    },
    jose: async (token) => {
      try {
        await joseVerify(token);
        return { ok: true };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return { ok: false, why: typeof code === 'string' ? code : String(error) };
      }
    },
    stop: () => verifier.stop(),
  };
}

/**
 * How Gatehouse's refusal reasons map to jose's error codes when both refuse. Reasons
 * differ in grain (Gatehouse names the claim, jose says "claim validation failed").
 */
export const REASON_TO_JOSE: Readonly<Record<string, readonly string[]>> = {
  // jose checks the signature before it parses the payload: a damaged payload is a bad signature there.
  malformed: [
    'ERR_JWS_INVALID',
    'ERR_JWT_INVALID',
    'ERR_JWT_CLAIM_VALIDATION_FAILED',
    'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  ],
  too_large: ['ERR_JWS_INVALID'],
  alg_not_allowed: ['ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JWS_INVALID', 'ERR_JWKS_NO_MATCHING_KEY'],
  header_key_reference: ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWKS_NO_MATCHING_KEY'],
  // crit b64 with b64 false: jose understands b64, then refuses an unencoded JWT payload.
  crit_unsupported: ['ERR_JOSE_NOT_SUPPORTED', 'ERR_JWS_INVALID', 'ERR_JWT_INVALID'],
  unknown_kid: ['ERR_JWKS_NO_MATCHING_KEY'],
  bad_signature: ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWS_INVALID'],
  expired: ['ERR_JWT_EXPIRED'],
  not_yet_valid: ['ERR_JWT_CLAIM_VALIDATION_FAILED'],
  issued_in_future: ['ERR_JWT_CLAIM_VALIDATION_FAILED'],
  too_old: ['ERR_JWT_EXPIRED'],
  wrong_issuer: ['ERR_JWT_CLAIM_VALIDATION_FAILED'],
  wrong_audience: ['ERR_JWT_CLAIM_VALIDATION_FAILED'],
  missing_claim: ['ERR_JWT_CLAIM_VALIDATION_FAILED'],
  wrong_type: ['ERR_JWT_CLAIM_VALIDATION_FAILED'],
};
