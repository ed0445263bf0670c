/**
 * Named token fixtures with their decoded parts beside them (Envoy's test_common.h
 * style), built from keys generated at test start. Each fixture says what a verifier
 * configured with `fixtureProvider(keys, type)` must answer: `'ok'` or a reject reason.
 *
 *   const keys = await generateTestKeys();
 *   const fx = await buildTokenFixtures(keys, { now: clock.now() });
 *   const result = await verifier.verify(fx.expired.token); // → reason 'expired'
 *
 * `signToken` signs any header and payload exactly as given (including raw JSON text,
 * `crit`, `jku`, `alg: none`…), which jose's SignJWT would refuse to produce.
 */
import { createProviderSchema, type ProviderConfig } from '../../src/config/schema-auth.js';
import type { JwtRejectReason } from '../../src/auth/jwt/types.js';
import type { TestHmacSecret, TestKeyPair, TestKeys } from './keys.js';

export const FIXTURE_ISSUER = 'https://issuer.fixtures.test';
export const FIXTURE_AUDIENCE = 'https://api.fixtures.test';
/** Limits of the fixture provider that some fixtures exceed. */
export const FIXTURE_MAX_TOKEN_AGE_SEC = 86_400;
export const FIXTURE_MAX_LIFETIME_SEC = 86_400;

export type Json = Record<string, unknown>;

export interface TokenFixture {
  readonly token: string;
  readonly header: Json;
  readonly payload: Json;
  readonly expected: 'ok' | JwtRejectReason;
  /** What the fixture is about, for test names. */
  readonly about: string;
}

export const b64url = (data: string | Uint8Array): string =>
  Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');

function signingParams(key: TestKeyPair): { name: string; hash?: string; saltLength?: number } {
  switch (key.alg) {
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'PS256':
      return { name: 'RSA-PSS', saltLength: 32 };
    case 'ES256':
      return { name: 'ECDSA', hash: 'SHA-256' };
    case 'ES384':
      return { name: 'ECDSA', hash: 'SHA-384' };
    case 'EdDSA':
      return { name: 'Ed25519' };
  }
}

const HMAC_HASH: Record<string, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

/**
 * Signs `header` and `payload` (objects, or JSON text used byte for byte) with a key pair
 * or HMAC secret bytes. The header's `alg` picks the HMAC hash; a key pair signs with its
 * own algorithm whatever the header claims.
 */
export async function signToken(
  header: Json | string,
  payload: Json | string,
  key: TestKeyPair | TestHmacSecret | Uint8Array,
): Promise<string> {
  const h = typeof header === 'string' ? header : JSON.stringify(header);
  const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = new TextEncoder().encode(`${b64url(h)}.${b64url(p)}`);
  let signature: ArrayBuffer;
  if ('privateKey' in key) {
    signature = await crypto.subtle.sign(signingParams(key), key.privateKey, input);
  } else {
    const bytes = key instanceof Uint8Array ? key : key.bytes;
    const alg = typeof header === 'string' || typeof header.alg !== 'string' ? 'HS256' : header.alg;
    const hmac = await crypto.subtle.importKey(
      'raw',
      bytes,
      { name: 'HMAC', hash: HMAC_HASH[alg] ?? 'SHA-256' },
      false,
      ['sign'],
    );
    signature = await crypto.subtle.sign('HMAC', hmac, input);
  }
  return `${b64url(h)}.${b64url(p)}.${b64url(new Uint8Array(signature))}`;
}

const omit = (object: Json, name: string): Json =>
  Object.fromEntries(Object.entries(object).filter(([k]) => k !== name));

/** header.payload. with no signature (an unsecured JWT). */
export const unsignedToken = (header: Json, payload: Json): string =>
  `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.`;

export const FIXTURE_NAMES = [
  'valid',
  'validEs256',
  'validEd25519',
  'validNoKid',
  'expired',
  'notYetValid',
  'wrongAudience',
  'wrongIssuer',
  'missingExp',
  'missingSub',
  'algNone',
  'algNoneCapitalized',
  'algNoneUpper',
  'algNoneSigned',
  'hs256WithRsaPublicKey',
  'strippedSignature',
  'tamperedPayload',
  'forgedWithAttackerKey',
  'unknownKid',
  'critUnknown',
  'jkuInjection',
  'x5uInjection',
  'embeddedJwk',
  'x5cInjection',
  'futureIat',
  'ancientIat',
  'lifetimeTooLong',
  'infiniteExp',
  'hugeToken',
  'malformedBase64',
  'paddedBase64',
  'malformedJson',
  'payloadNotObject',
  'twoSegments',
  'fourSegments',
] as const;

export type FixtureName = (typeof FIXTURE_NAMES)[number];
export type TokenFixtures = Readonly<Record<FixtureName, TokenFixture>>;

/**
 * Every fixture, relative to `now` (epoch ms, the verifier's clock). Expected answers
 * hold for `fixtureProvider(keys, 'publicKey' | 'jwks')`; valid tokens are signed with
 * keys.rsa (kid rsa-1), keys.ec (ec-1) and keys.ed25519 (ed-1).
 */
export async function buildTokenFixtures(keys: TestKeys, options: { now: number }): Promise<TokenFixtures> {
  const now = Math.floor(options.now / 1000);
  const claims = (extra: Json = {}): Json => ({
    iss: FIXTURE_ISSUER,
    aud: FIXTURE_AUDIENCE,
    sub: 'user-42',
    iat: now - 60,
    exp: now + 3600,
    scope: 'read write',
    ...extra,
  });
  const rs = { alg: 'RS256', kid: keys.rsa.kid, typ: 'JWT' };
  const fixture = async (
    about: string,
    expected: TokenFixture['expected'],
    header: Json,
    payload: Json,
    key: TestKeyPair | TestHmacSecret | Uint8Array = keys.rsa,
  ): Promise<TokenFixture> => ({
    about,
    expected,
    header,
    payload,
    token: await signToken(header, payload, key),
  });
  const raw = (
    about: string,
    expected: TokenFixture['expected'],
    token: string,
    header: Json = {},
    payload: Json = {},
  ) => ({ about, expected, token, header, payload }) satisfies TokenFixture;

  const valid = await fixture('RS256, every claim right', 'ok', rs, claims());
  const [vh = '', vp = '', vs = ''] = valid.token.split('.');
  const hugePayload = claims({ padding: 'x'.repeat(100_000) });
  const infiniteExpJson = JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e400');

  const fixtures: Record<FixtureName, TokenFixture> = {
    valid,
    validEs256: await fixture('ES256 (P-256)', 'ok', { alg: 'ES256', kid: keys.ec.kid }, claims(), keys.ec),
    validEd25519: await fixture(
      'EdDSA (Ed25519)',
      'ok',
      { alg: 'EdDSA', kid: keys.ed25519.kid },
      claims(),
      keys.ed25519,
    ),
    validNoKid: await fixture('RS256 without kid: every key is tried', 'ok', { alg: 'RS256' }, claims()),
    expired: await fixture(
      'exp two hours ago',
      'expired',
      rs,
      claims({ iat: now - 10_800, exp: now - 7200 }),
    ),
    notYetValid: await fixture('nbf in an hour', 'not_yet_valid', rs, claims({ nbf: now + 3600 })),
    wrongAudience: await fixture(
      'aud of another API',
      'wrong_audience',
      rs,
      claims({ aud: 'https://other.test' }),
    ),
    wrongIssuer: await fixture(
      'iss of another issuer',
      'wrong_issuer',
      rs,
      claims({ iss: 'https://evil.test' }),
    ),
    missingExp: await fixture('no exp', 'missing_claim', rs, omit(claims(), 'exp')),
    missingSub: await fixture('no sub (a required claim)', 'missing_claim', rs, omit(claims(), 'sub')),
    algNone: raw(
      'alg none, no signature',
      'alg_not_allowed',
      unsignedToken({ alg: 'none' }, claims()),
      { alg: 'none' },
      claims(),
    ),
    algNoneCapitalized: raw(
      'alg None',
      'alg_not_allowed',
      unsignedToken({ alg: 'None' }, claims()),
      { alg: 'None' },
      claims(),
    ),
    algNoneUpper: raw(
      'alg NONE',
      'alg_not_allowed',
      unsignedToken({ alg: 'NONE' }, claims()),
      { alg: 'NONE' },
      claims(),
    ),
    algNoneSigned: raw(
      'alg none with the valid signature kept',
      'alg_not_allowed',
      `${b64url(JSON.stringify({ alg: 'none' }))}.${vp}.${vs}`,
      { alg: 'none' },
      claims(),
    ),
    hs256WithRsaPublicKey: await fixture(
      'HS256 with the RSA public key PEM as HMAC secret (key confusion)',
      'alg_not_allowed',
      { alg: 'HS256', kid: keys.rsa.kid },
      claims(),
      new TextEncoder().encode(keys.rsa.publicPem),
    ),
    strippedSignature: raw(
      'valid token with its signature removed',
      'bad_signature',
      `${vh}.${vp}.`,
      rs,
      claims(),
    ),
    tamperedPayload: raw(
      'valid signature over another payload',
      'bad_signature',
      `${vh}.${b64url(JSON.stringify(claims({ sub: 'admin' })))}.${vs}`,
      rs,
      claims({ sub: 'admin' }),
    ),
    forgedWithAttackerKey: await fixture(
      'kid rsa-1 signed by another key',
      'bad_signature',
      rs,
      claims(),
      keys.attacker,
    ),
    unknownKid: await fixture('kid nobody published', 'unknown_kid', { ...rs, kid: 'no-such-kid' }, claims()),
    critUnknown: await fixture(
      'crit names an extension nobody understands',
      'crit_unsupported',
      { ...rs, crit: ['urn:example:unknown'], 'urn:example:unknown': true },
      claims(),
    ),
    jkuInjection: await fixture(
      'jku points to an attacker JWKS',
      'header_key_reference',
      { ...rs, jku: 'https://attacker.test/jwks.json' },
      claims(),
      keys.attacker,
    ),
    x5uInjection: await fixture(
      'x5u points to an attacker certificate',
      'header_key_reference',
      { ...rs, x5u: 'https://attacker.test/cert.pem' },
      claims(),
      keys.attacker,
    ),
    embeddedJwk: await fixture(
      'jwk header embeds the attacker public key',
      'header_key_reference',
      { alg: 'RS256', jwk: keys.attacker.publicJwk },
      claims(),
      keys.attacker,
    ),
    x5cInjection: await fixture(
      'x5c header carries a certificate chain',
      'header_key_reference',
      { ...rs, x5c: ['MIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBCwUAMBQxEjAQBgNVBAMMCWxvY2FsaG9zdA=='] },
      claims(),
      keys.attacker,
    ),
    futureIat: await fixture(
      'iat in the year 2300',
      'issued_in_future',
      rs,
      claims({ iat: 10_413_792_000, exp: 10_413_795_600 }),
    ),
    ancientIat: await fixture('iat in 1970 (too old for maxTokenAgeSec)', 'too_old', rs, claims({ iat: 1 })),
    lifetimeTooLong: await fixture(
      'exp - iat of two days',
      'lifetime_too_long',
      rs,
      claims({ iat: now - 60, exp: now + 2 * 86_400 }),
    ),
    infiniteExp: {
      about: 'exp 1e400 (parses as Infinity)',
      expected: 'malformed',
      header: rs,
      payload: claims({ exp: Number.POSITIVE_INFINITY }),
      token: await signToken(rs, infiniteExpJson, keys.rsa),
    },
    hugeToken: await fixture('100 KB payload', 'too_large', rs, hugePayload),
    malformedBase64: raw(
      '"*" in the header segment',
      'malformed',
      `${vh.slice(0, 5)}*${vh.slice(5)}.${vp}.${vs}`,
    ),
    paddedBase64: raw('base64 padding "=" after the header', 'malformed', `${vh}==.${vp}.${vs}`),
    malformedJson: raw('header is not JSON', 'malformed', `${b64url('{"alg":"RS256",')}.${vp}.${vs}`),
    payloadNotObject: raw(
      'payload is a JSON array',
      'malformed',
      await signToken(rs, '[1,2,3]', keys.rsa),
      rs,
    ),
    twoSegments: raw('header.payload only', 'malformed', `${vh}.${vp}`),
    fourSegments: raw('an extra segment', 'malformed', `${vh}.${vp}.${vs}.${vs}`),
  };
  return fixtures;
}

/** Common fields of the provider the fixtures' expectations refer to. */
const fixtureFields = {
  issuer: FIXTURE_ISSUER,
  audiences: [FIXTURE_AUDIENCE],
  clockToleranceSec: 60,
  maxTokenAgeSec: FIXTURE_MAX_TOKEN_AGE_SEC,
  maxLifetimeSec: FIXTURE_MAX_LIFETIME_SEC,
  requiredClaims: ['sub'],
};

/** Parses raw provider config through the real schema (defaults applied). */
export function parseProvider(input: Json): ProviderConfig {
  return createProviderSchema({ baseDir: process.cwd(), env: {} }).parse(input);
}

/**
 * The provider the fixtures' `expected` answers hold for. `publicKey`: PEMs of keys.rsa,
 * keys.ec and keys.ed25519; `jwks`: the given URL (serve `jwksOf(keys.rsa, keys.ec,
 * keys.ed25519)` there). Extra fields override.
 */
export function fixtureProvider(keys: TestKeys, type: 'publicKey', extra?: Json): ProviderConfig;
export function fixtureProvider(
  keys: TestKeys,
  type: 'jwks',
  extra: Json & { jwksUri: string },
): ProviderConfig;
export function fixtureProvider(
  keys: TestKeys,
  type: 'publicKey' | 'jwks',
  extra: Json = {},
): ProviderConfig {
  const base: Json =
    type === 'publicKey'
      ? {
          id: 'fixtures-pem',
          type,
          algorithms: ['RS256', 'ES256', 'EdDSA'],
          keys: [keys.rsa, keys.ec, keys.ed25519].map((k) => ({ kid: k.kid, pem: k.publicPem })),
        }
      : { id: 'fixtures-jwks', type, algorithms: ['RS256', 'ES256', 'EdDSA'] };
  return parseProvider({ ...base, ...fixtureFields, ...extra });
}
