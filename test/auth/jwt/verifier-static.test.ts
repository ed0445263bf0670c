/** hmac and publicKey providers: algorithms, keys, kid selection, claims, time from the clock. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/clock.js';
import type { JwtVerification } from '../../../src/auth/jwt/types.js';
import { createJwtVerifier } from '../../../src/auth/jwt/verifier.js';
import type { ProviderConfig } from '../../../src/config/schema-auth.js';
import {
  generateHmacSecret,
  generateKeyPairFor,
  generateTestKeys,
  type TestKeys,
} from '../../helpers/keys.js';
import {
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  parseProvider,
  signToken,
  type Json,
} from '../../helpers/token-fixtures.js';
import { testDeps } from './support.js';

const NOW_MS = Date.UTC(2026, 10, 22, 10, 0, 0);
const NOW = NOW_MS / 1000;
const claims = (extra: Json = {}): Json => ({
  iss: FIXTURE_ISSUER,
  aud: FIXTURE_AUDIENCE,
  sub: 'svc-1',
  iat: NOW - 10,
  exp: NOW + 300,
  ...extra,
});
const common = { issuer: FIXTURE_ISSUER, audiences: [FIXTURE_AUDIENCE] };

function reasonOf(result: JwtVerification): string {
  return result.ok ? 'ok' : result.reason;
}

async function verifierFor(input: Json, clock = new ManualClock(NOW_MS)) {
  const verifier = createJwtVerifier(parseProvider(input), testDeps(clock));
  await verifier.start();
  return verifier;
}

let keys: TestKeys;
before(async () => {
  keys = await generateTestKeys();
});

describe('hmac provider', () => {
  const old = generateHmacSecret('2025');
  const current = generateHmacSecret('2026');
  const hmacProvider = (extra: Json = {}) => ({
    id: 'hs',
    type: 'hmac',
    ...common,
    secrets: [
      { kid: old.kid, secret: old.secret },
      { kid: current.kid, secret: current.secret },
    ],
    ...extra,
  });

  it('selects the secret by kid, so both secrets work during a rotation', async () => {
    const v = await verifierFor(hmacProvider());
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS256', kid: '2026' }, claims(), current))),
      'ok',
    );
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS256', kid: '2025' }, claims(), old))),
      'ok',
    );
    // The kid names one secret: signed with the other → bad signature, not a second try.
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS256', kid: '2025' }, claims(), current))),
      'bad_signature',
    );
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS256', kid: 'nope' }, claims(), current))),
      'unknown_kid',
    );
  });

  it('tries each secret when the token has no kid', async () => {
    const v = await verifierFor(hmacProvider());
    assert.equal(reasonOf(await v.verify(await signToken({ alg: 'HS256' }, claims(), old))), 'ok');
    assert.equal(reasonOf(await v.verify(await signToken({ alg: 'HS256' }, claims(), current))), 'ok');
    const stranger = generateHmacSecret('x');
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS256' }, claims(), stranger))),
      'bad_signature',
    );
  });

  it('serves any kid with a secret configured without kid', async () => {
    const v = await verifierFor({ id: 'hs', type: 'hmac', ...common, secrets: [{ secret: current.secret }] });
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS256', kid: 'v7' }, claims(), current))),
      'ok',
    );
  });

  it('accepts only the HS algorithms it lists, never an asymmetric one', async () => {
    const v = await verifierFor(hmacProvider({ algorithms: ['HS256', 'HS512'] }));
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS512', kid: '2026' }, claims(), current))),
      'ok',
    );
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'HS384', kid: '2026' }, claims(), current))),
      'alg_not_allowed',
    );
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'RS256', kid: 'rsa-1' }, claims(), keys.rsa))),
      'alg_not_allowed',
    );
  });

  it('refuses alg none in any spelling, and an empty signature', async () => {
    const v = await verifierFor(hmacProvider());
    const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const head = Buffer.from(JSON.stringify({ alg })).toString('base64url');
      assert.equal(reasonOf(await v.verify(`${head}.${body}.`)), 'alg_not_allowed', alg);
    }
    const signed = await signToken({ alg: 'HS256', kid: '2026' }, claims(), current);
    assert.equal(reasonOf(await v.verify(`${signed.slice(0, signed.lastIndexOf('.'))}.`)), 'bad_signature');
  });

  it('checks the family again at runtime: a hand-built config cannot mix HS and RS', () => {
    const parsed = parseProvider(hmacProvider());
    const mixed = { ...parsed, algorithms: ['HS256', 'RS256'] } as unknown as ProviderConfig;
    assert.throws(() => createJwtVerifier(mixed, testDeps()), /RS256 is not allowed for type hmac/);
    const pem = parseProvider({
      id: 'pk',
      type: 'publicKey',
      ...common,
      keys: [{ pem: keys.rsa.publicPem }],
    });
    const confused = { ...pem, algorithms: ['RS256', 'HS256'] } as unknown as ProviderConfig;
    assert.throws(() => createJwtVerifier(confused, testDeps()), /HS256 is not allowed for type publicKey/);
  });

  it('imports secrets once: no key import happens while verifying', async () => {
    const v = await verifierFor(hmacProvider());
    const token = await signToken({ alg: 'HS256' }, claims(), current);
    const subtle = Object.getPrototypeOf(crypto.subtle) as { importKey: (...args: unknown[]) => unknown };
    const original = subtle.importKey;
    let imports = 0;
    subtle.importKey = function (this: unknown, ...args: unknown[]) {
      imports++;
      return original.apply(this, args);
    };
    try {
      for (let i = 0; i < 20; i++) assert.equal(reasonOf(await v.verify(token)), 'ok');
    } finally {
      subtle.importKey = original;
    }
    assert.equal(imports, 0);
  });
});

describe('publicKey provider', () => {
  it('verifies RSA, EC P-256, EC P-384 and Ed25519 keys given as PEM', async () => {
    const p384 = await generateKeyPairFor('ES384', 'ec-384');
    const v = await verifierFor({
      id: 'pk',
      type: 'publicKey',
      ...common,
      algorithms: ['RS256', 'ES256', 'ES384', 'EdDSA'],
      keys: [keys.rsa, keys.ec, keys.ed25519, p384].map((k) => ({ kid: k.kid, pem: k.publicPem })),
    });
    for (const pair of [keys.rsa, keys.ec, keys.ed25519, p384]) {
      const token = await signToken({ alg: pair.alg, kid: pair.kid }, claims(), pair);
      assert.equal(reasonOf(await v.verify(token)), 'ok', pair.alg);
    }
  });

  it('verifies keys given as JWK, and PS256 with an RSA key', async () => {
    const ps = await generateKeyPairFor('PS256', 'ps-1');
    const v = await verifierFor({
      id: 'pk',
      type: 'publicKey',
      ...common,
      algorithms: ['RS256', 'PS256', 'EdDSA'],
      keys: [
        { jwk: keys.rsa.publicJwk },
        { jwk: keys.ed25519.publicJwk },
        { jwk: { ...ps.publicJwk, alg: undefined } },
      ],
    });
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'RS256', kid: 'rsa-1' }, claims(), keys.rsa))),
      'ok',
    );
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'EdDSA', kid: 'ed-1' }, claims(), keys.ed25519))),
      'ok',
    );
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'PS256', kid: 'ps-1' }, claims(), ps))),
      'ok',
    );
    // rsa-1's JWK says alg RS256: the same key with PS256 is refused before any signature check.
    assert.equal(
      reasonOf(await v.verify(await signToken({ alg: 'PS256', kid: 'rsa-1' }, claims(), ps))),
      'alg_not_allowed',
    );
  });

  it('refuses HS256 signed with the RSA public key PEM as HMAC secret (key confusion)', async () => {
    const v = await verifierFor({
      id: 'pk',
      type: 'publicKey',
      ...common,
      keys: [{ pem: keys.rsa.publicPem }],
    });
    const forged = await signToken({ alg: 'HS256' }, claims(), new TextEncoder().encode(keys.rsa.publicPem));
    assert.equal(reasonOf(await v.verify(forged)), 'alg_not_allowed');
  });

  it('rejects at start: a private key, a weak RSA key, a key that fits no allowed algorithm', async () => {
    const privatePem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    }) as string;
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'pem',
      type: 'spki',
    }) as string;
    const cases: [Json[], RegExp][] = [
      [[{ kid: 'p', pem: privatePem }], /key #1 \(kid p\): PEM holds a private key/],
      [[{ pem: weak }], /key #1: RSA key shorter than 2048 bits/],
      [[{ pem: keys.rsa.publicPem }, { pem: 'not a pem' }], /key #2: PEM is not a valid public key/],
      [[{ jwk: keys.ec.publicJwk }], /fits none of the allowed algorithms/],
      [[{ jwk: { ...keys.rsa.publicJwk, d: 'AQAB' } }], /private or secret key/],
    ];
    for (const [providerKeys, message] of cases) {
      // The schema refuses these keys too (test/config/public-keys.test.ts); this is the
      // importer's own defence, so the provider is built around the schema.
      const valid = parseProvider({
        id: 'pk',
        type: 'publicKey',
        ...common,
        algorithms: ['RS256'],
        keys: [{ pem: keys.rsa.publicPem }],
      });
      const v = createJwtVerifier({ ...valid, keys: providerKeys } as ProviderConfig, testDeps());
      const error = await v.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof Error, `expected ${String(message)}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /BEGIN|MII/);
      // Unusable keys never mean "allow": verify answers unavailable.
      const token = await signToken({ alg: 'RS256' }, claims(), keys.rsa);
      const result = await v.verify(token);
      assert.equal(!result.ok && result.unavailable, true);
    }
  });
});

describe('claims', () => {
  const pemProvider = (extra: Json = {}) => ({
    id: 'pk',
    type: 'publicKey',
    ...common,
    keys: [{ kid: 'rsa-1', pem: keys.rsa.publicPem }],
    ...extra,
  });
  const sign = (payload: Json, header: Json = {}) =>
    signToken({ alg: 'RS256', kid: 'rsa-1', ...header }, payload, keys.rsa);

  it('takes the current time from the injected clock, with the clock tolerance', async () => {
    const clock = new ManualClock(NOW_MS);
    const v = await verifierFor(pemProvider({ clockToleranceSec: 60 }), clock);
    const token = await sign(claims({ nbf: NOW + 30, exp: NOW + 300 }));
    assert.equal(reasonOf(await v.verify(token)), 'ok'); // nbf 30 s ahead, within tolerance
    clock.set(NOW_MS - 31_000);
    assert.equal(reasonOf(await v.verify(token)), 'not_yet_valid');
    clock.set(NOW_MS + 359_000); // exp + 59 s
    assert.equal(reasonOf(await v.verify(token)), 'ok');
    clock.set(NOW_MS + 361_000);
    const result = await v.verify(token);
    assert.equal(reasonOf(result), 'expired');
    assert.equal(
      !result.ok && result.description,
      `token expired at ${new Date((NOW + 300) * 1000).toISOString().replace('.000Z', 'Z')}`,
    );
  });

  it('answers expiresAt in epoch ms of exp, with the claims and header', async () => {
    const v = await verifierFor(pemProvider());
    const result = await v.verify(await sign(claims({ exp: NOW + 120 })));
    assert.ok(result.ok);
    assert.equal(result.expiresAt, (NOW + 120) * 1000);
    assert.equal(result.claims.sub, 'svc-1');
    assert.equal(result.header.kid, 'rsa-1');
  });

  it('requires exp, iss, aud and the configured claims', async () => {
    const v = await verifierFor(pemProvider({ requiredClaims: ['tenant'] }));
    const { exp: _exp, ...noExp } = claims({ tenant: 't1' });
    const { iss: _iss, ...noIss } = claims({ tenant: 't1' });
    const { aud: _aud, ...noAud } = claims({ tenant: 't1' });
    assert.equal(reasonOf(await v.verify(await sign(claims({ tenant: 't1' })))), 'ok');
    assert.equal(reasonOf(await v.verify(await sign(claims()))), 'missing_claim');
    assert.equal(reasonOf(await v.verify(await sign(noExp))), 'missing_claim');
    assert.equal(reasonOf(await v.verify(await sign(noIss))), 'missing_claim');
    assert.equal(reasonOf(await v.verify(await sign(noAud))), 'missing_claim');
  });

  it('accepts a token whose aud list contains one accepted audience', async () => {
    const v = await verifierFor(pemProvider({ audiences: ['https://a.test', FIXTURE_AUDIENCE] }));
    assert.equal(
      reasonOf(await v.verify(await sign(claims({ aud: ['https://x.test', FIXTURE_AUDIENCE] })))),
      'ok',
    );
    assert.equal(reasonOf(await v.verify(await sign(claims({ aud: ['https://x.test'] })))), 'wrong_audience');
    assert.equal(reasonOf(await v.verify(await sign(claims({ aud: 42 })))), 'wrong_audience');
    assert.equal(reasonOf(await v.verify(await sign(claims({ iss: `${FIXTURE_ISSUER}/` })))), 'wrong_issuer');
  });

  it('compares tokenType with typ case-insensitively, application/ optional (RFC 8725)', async () => {
    const v = await verifierFor(pemProvider({ tokenType: 'at+jwt' }));
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+Jwt'])
      assert.equal(reasonOf(await v.verify(await sign(claims(), { typ }))), 'ok', typ);
    assert.equal(reasonOf(await v.verify(await sign(claims(), { typ: 'JWT' }))), 'wrong_type');
    assert.equal(reasonOf(await v.verify(await sign(claims()))), 'wrong_type');
  });

  it('handles iat: in the future, absurd, too old, lifetime too long', async () => {
    const limits = await verifierFor(pemProvider({ maxTokenAgeSec: 3600, maxLifetimeSec: 7200 }));
    const none = await verifierFor(pemProvider());
    const year2300 = 10_413_792_000;
    // In the future beyond tolerance: refused with and without maxTokenAgeSec.
    for (const v of [limits, none]) {
      assert.equal(reasonOf(await v.verify(await sign(claims({ iat: NOW + 120 })))), 'issued_in_future');
      assert.equal(
        reasonOf(await v.verify(await sign(claims({ iat: year2300, exp: year2300 + 60 })))),
        'issued_in_future',
      );
      assert.equal(reasonOf(await v.verify(await sign(claims({ iat: NOW + 30 })))), 'ok'); // within tolerance
      // A negative iat is not a time (and with maxTokenAgeSec, far too old).
      assert.equal(
        reasonOf(await v.verify(await sign(claims({ iat: -5 })))),
        v === none ? 'malformed' : 'too_old',
      );
      assert.equal(reasonOf(await v.verify(await sign(claims({ iat: '2026-01-01' })))), 'malformed');
    }
    assert.equal(reasonOf(await limits.verify(await sign(claims({ iat: NOW - 3700 })))), 'too_old');
    assert.equal(reasonOf(await limits.verify(await sign(claims({ iat: 1 })))), 'too_old');
    assert.equal(reasonOf(await limits.verify(await sign(claims({ exp: NOW + 7200 })))), 'lifetime_too_long');
    const { iat: _iat, ...noIat } = claims();
    assert.equal(reasonOf(await limits.verify(await sign(noIat))), 'missing_claim');
    // Without limits the issuer's exp alone decides, even for a 1970 iat.
    assert.equal(reasonOf(await none.verify(await sign(claims({ iat: 1 })))), 'ok');
    assert.equal(reasonOf(await none.verify(await sign(noIat))), 'ok');
  });

  it('refuses any crit header (Gatehouse understands no extension), even b64', async () => {
    const v = await verifierFor(pemProvider());
    for (const header of [{ crit: ['urn:x'], 'urn:x': 1 }, { crit: ['b64'], b64: true }, { crit: [] }]) {
      const token = await sign(claims(), header);
      assert.equal(reasonOf(await v.verify(token)), 'crit_unsupported', JSON.stringify(header));
    }
  });
});
