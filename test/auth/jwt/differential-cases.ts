/**
 * The tokens the differential test feeds to both verifiers: every named fixture, and
 * more around HMAC, time edges with the clock tolerance, typ, audiences, crit, signature
 * encodings and one-character mutations of valid tokens. `gatehouseStricter` marks the
 * documented cases where Gatehouse refuses by design a token jose accepts; the test
 * asserts exactly that split for them, so neither side can drift silently.
 */
import { KeyObject, sign } from 'node:crypto';
import type { TestKeys } from '../../helpers/keys.js';
import {
  b64url,
  buildTokenFixtures,
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  FIXTURE_NAMES,
  signToken,
  unsignedToken,
  type Json,
} from '../../helpers/token-fixtures.js';
import { NOW, NOW_MS, type SetupName } from './differential-setups.js';

export interface DifferentialCase {
  readonly name: string;
  readonly setup: SetupName;
  readonly token: string;
  /** Why Gatehouse refuses what jose accepts (a rule jose does not have); absent: they must agree. */
  readonly gatehouseStricter?: string;
}

const STRICTER: Partial<Record<(typeof FIXTURE_NAMES)[number], string>> = {
  lifetimeTooLong: 'maxLifetimeSec (exp - iat) has no jose option',
  hugeToken: 'tokens over 8 KiB are refused before decoding; jose has no size limit',
  infiniteExp:
    'NumericDates must be finite and before year 10000; jose takes exp 1e400 (Infinity) as never expiring',
};

const claims = (extra: Json = {}): Json => ({
  iss: FIXTURE_ISSUER,
  aud: FIXTURE_AUDIENCE,
  sub: 'user-42',
  iat: NOW - 60,
  exp: NOW + 3600,
  ...extra,
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `token` with the character at `index` replaced by the next one of the base64url alphabet. */
function bump(token: string, index: number): string {
  const next = ALPHABET[(ALPHABET.indexOf(token.charAt(index)) + 1) % 64] ?? 'A';
  return token.slice(0, index) + next + token.slice(index + 1);
}

/** One-character changes at the start, middle and end of each segment. */
function mutations(name: string, token: string): DifferentialCase[] {
  const [h = '', p = ''] = token.split('.');
  const starts = [0, h.length + 1, h.length + p.length + 2];
  const ends = [h.length, h.length + 1 + p.length, token.length];
  const out: DifferentialCase[] = [];
  for (const [segment, start] of starts.entries()) {
    const end = ends[segment] ?? token.length;
    for (const index of [start, Math.floor((start + end) / 2), end - 2])
      out.push({
        name: `${name}: segment ${segment + 1} changed at ${index}`,
        setup: 'asymmetric',
        token: bump(token, index),
      });
  }
  return out;
}

export async function differentialCases(keys: TestKeys): Promise<DifferentialCase[]> {
  const fixtures = await buildTokenFixtures(keys, { now: NOW_MS });
  const cases: DifferentialCase[] = FIXTURE_NAMES.map((name) => ({
    name: `fixture ${name}: ${fixtures[name].about}`,
    setup: 'asymmetric',
    token: fixtures[name].token,
    ...(STRICTER[name] ? { gatehouseStricter: STRICTER[name] } : {}),
  }));
  const rs = { alg: 'RS256', kid: keys.rsa.kid };
  const asym = async (name: string, header: Json, payload: Json, extra: Partial<DifferentialCase> = {}) =>
    cases.push({ name, setup: 'asymmetric', token: await signToken(header, payload, keys.rsa), ...extra });
  const at = async (setup: SetupName, name: string, payload: Json, header: Json = rs) =>
    cases.push({
      name,
      setup,
      token: await signToken(header, payload, setup === 'hmac' ? keys.hmac : keys.rsa),
    });

  // HMAC
  const hs = { alg: 'HS256', kid: keys.hmac.kid };
  await at('hmac', 'HS256 valid', claims(), hs);
  await at('hmac', 'HS256 valid, no kid', claims(), { alg: 'HS256' });
  await at('hmac', 'HS256 expired', claims({ exp: NOW - 61 }), hs);
  await at('hmac', 'HS256 wrong audience', claims({ aud: 'x' }), hs);
  cases.push({
    name: 'HS256 with another secret',
    setup: 'hmac',
    token: await signToken(hs, claims(), new TextEncoder().encode('another secret of at least 32 bytes!!')),
  });
  cases.push({
    name: 'HS384 not allowed',
    setup: 'hmac',
    token: await signToken({ alg: 'HS384', kid: keys.hmac.kid }, claims(), keys.hmac),
  });
  cases.push({
    name: 'RS256 to an HMAC provider',
    setup: 'hmac',
    token: await signToken(rs, claims(), keys.rsa),
  });
  cases.push({
    name: 'alg none to an HMAC provider',
    setup: 'hmac',
    token: unsignedToken({ alg: 'none' }, claims()),
  });
  cases.push({
    name: 'HS256 keyed with the RSA public key PEM',
    setup: 'hmac',
    token: await signToken(hs, claims(), new TextEncoder().encode(keys.rsa.publicPem)),
  });

  // time edges, 60 s tolerance, one-day maximum age
  await at('edges', 'exp exactly tolerance ago', claims({ exp: NOW - 60 }));
  await at('edges', 'exp one second inside tolerance', claims({ exp: NOW - 59 }));
  await at('edges', 'exp now', claims({ exp: NOW }));
  await at('edges', 'nbf exactly tolerance ahead', claims({ nbf: NOW + 60 }));
  await at('edges', 'nbf one second past tolerance', claims({ nbf: NOW + 61 }));
  await at('edges', 'iat exactly tolerance ahead', claims({ iat: NOW + 60 }));
  await at('edges', 'iat one second past tolerance', claims({ iat: NOW + 61 }));
  await at('edges', 'age exactly one day plus tolerance', claims({ iat: NOW - 86_460 }));
  await at('edges', 'age one second over', claims({ iat: NOW - 86_461 }));
  await at('edges', 'fractional exp', claims({ exp: NOW + 0.5 }));
  await at('edges', 'exp as a string', claims({ exp: String(NOW + 3600) }));
  await at('edges', 'nbf as a string', claims({ nbf: 'soon' }));
  await at('edges', 'iat missing (needed for the age limit)', { ...claims(), iat: undefined });

  // typ
  await at('typed', 'typ at+jwt', claims(), { ...rs, typ: 'at+jwt' });
  await at('typed', 'typ application/at+jwt', claims(), { ...rs, typ: 'application/at+jwt' });
  await at('typed', 'typ AT+JWT', claims(), { ...rs, typ: 'AT+JWT' });
  await at('typed', 'typ JWT', claims(), { ...rs, typ: 'JWT' });
  await at('typed', 'typ missing', claims());

  // claims and header
  await asym('aud array including ours', rs, claims({ aud: ['other', FIXTURE_AUDIENCE] }));
  await asym('aud array without ours', rs, claims({ aud: ['other'] }));
  await asym('aud missing', rs, { ...claims(), aud: undefined });
  await asym('iss missing', rs, { ...claims(), iss: undefined });
  await asym('kid of the EC key on an RS256 token', { alg: 'RS256', kid: keys.ec.kid }, claims());
  await asym('PS256, not in the allowlist', { alg: 'PS256', kid: keys.rsa.kid }, claims());
  await asym('crit empty list', { ...rs, crit: [] }, claims());
  await asym('crit b64 with b64 false', { ...rs, crit: ['b64'], b64: false }, claims());
  await asym('crit b64 with b64 true', { ...rs, crit: ['b64'], b64: true }, claims(), {
    gatehouseStricter: 'crit is refused whatever it names; jose understands b64, which has no place in a JWT',
  });
  await asym(
    'jku on a token signed by the real key',
    { ...rs, jku: 'https://attacker.test/jwks' },
    claims(),
    {
      gatehouseStricter: 'jku/x5u/jwk/x5c are refused outright; jose ignores them',
    },
  );

  // signature encodings
  const valid = fixtures.valid.token;
  const es = fixtures.validEs256.token;
  const [eh = '', ep = ''] = es.split('.');
  const der = sign('sha256', Buffer.from(`${eh}.${ep}`), {
    key: KeyObject.from(keys.ec.privateKey),
    dsaEncoding: 'der',
  });
  cases.push({
    name: 'ES256 with a DER signature',
    setup: 'asymmetric',
    token: `${eh}.${ep}.${b64url(der)}`,
  });
  cases.push({
    name: 'RS256 signature with non-zero unused bits (same bytes)',
    setup: 'asymmetric',
    token: bump(valid, valid.length - 1),
    gatehouseStricter: 'only canonical base64url is accepted; jose ignores the unused trailing bits',
  });
  cases.push({ name: 'whitespace inside the token', setup: 'asymmetric', token: valid.replace('.', '. ') });
  cases.push({ name: 'empty string', setup: 'asymmetric', token: '' });

  // one-character mutations of valid tokens
  cases.push(
    ...mutations('RS256', valid),
    ...mutations('ES256', es),
    ...mutations('EdDSA', fixtures.validEd25519.token),
  );
  return cases;
}
