import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJwt, isCanonicalBase64url, MAX_TOKEN_BYTES, peekJwt } from '../../../src/auth/jwt/peek.js';

const seg = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const header = seg({ alg: 'RS256', kid: 'k1' });
const payload = seg({ iss: 'https://issuer.test', sub: 'u1' });
const signature = Buffer.from('signature bytes').toString('base64url');
const token = `${header}.${payload}.${signature}`;

const malformed = (t: string) => {
  const result = decodeJwt(t);
  assert.equal(result.ok, false, `expected ${JSON.stringify(t.slice(0, 60))} to be refused`);
  if (!result.ok) assert.equal(result.reason, 'malformed');
  assert.equal(peekJwt(t), undefined);
};

describe('peekJwt', () => {
  it('decodes header and payload of a well-formed token without verifying it', () => {
    assert.deepEqual(peekJwt(token), {
      header: { alg: 'RS256', kid: 'k1' },
      payload: { iss: 'https://issuer.test', sub: 'u1' },
    });
  });

  it('accepts an empty signature segment (the verifier refuses it, the gate still sees a JWT)', () => {
    assert.ok(peekJwt(`${header}.${payload}.`));
    const decoded = decodeJwt(`${header}.${payload}.`);
    assert.ok(decoded.ok && decoded.jwt.signatureLength === 0);
  });

  it('refuses a 100 KB token as too_large, cheaply, before decoding', () => {
    const huge = `${header}.${'A'.repeat(100_000)}.${signature}`;
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) decodeJwt(huge);
    const perCallNs = Number(process.hrtime.bigint() - started) / 10_000;
    const result = decodeJwt(huge);
    assert.deepEqual(result.ok ? undefined : result.reason, 'too_large');
    assert.equal(peekJwt(huge), undefined);
    assert.ok(perCallNs < 20_000, `too_large took ${perCallNs} ns per call`);
    // The boundary: MAX_TOKEN_BYTES characters are looked at, one more is too large.
    const atLimit = decodeJwt('A'.repeat(MAX_TOKEN_BYTES));
    const overLimit = decodeJwt('A'.repeat(MAX_TOKEN_BYTES + 1));
    assert.equal(atLimit.ok ? 'ok' : atLimit.reason, 'malformed');
    assert.equal(overLimit.ok ? 'ok' : overLimit.reason, 'too_large');
  });

  it('refuses every segment count other than three', () => {
    for (const t of [
      '',
      '.',
      '..',
      '...',
      header,
      `${header}.${payload}`,
      `${token}.${signature}`,
      `${token}.`,
    ])
      malformed(t);
  });

  it('refuses characters outside base64url, padding and whitespace', () => {
    malformed(`${header}=.${payload}.${signature}`);
    malformed(`${header}.${payload}.${signature}=`);
    malformed(`${header.slice(0, 4)}+${header.slice(4)}.${payload}.${signature}`);
    malformed(`${header.slice(0, 4)}/${header.slice(4)}.${payload}.${signature}`);
    malformed(` ${token}`);
    malformed(`${token}\n`);
    malformed(`Bearer ${token}`);
    malformed(`${header}.${payload}.${signature.slice(0, 3)} ${signature.slice(3)}`);
    malformed(`${header}.${payload}.sïg`);
    malformed(`${header}.${payload}.${signature}\u0000`);
  });

  it('refuses non-canonical base64url (impossible length, non-zero trailing bits)', () => {
    assert.equal(isCanonicalBase64url('QQ'), true); // "A"
    assert.equal(isCanonicalBase64url('QR'), false); // also decodes to "A" in lenient decoders
    assert.equal(isCanonicalBase64url('QUI'), true); // "AB"
    assert.equal(isCanonicalBase64url('QUJ'), false);
    assert.equal(isCanonicalBase64url('QUJD'), true);
    assert.equal(isCanonicalBase64url('QUJDR'), false); // length 5: no byte sequence encodes to that
    malformed(`${header}.${payload}.QR`);
    malformed(`${header}.${payload}.QUJDR`);
  });

  it('refuses header or payload that are not UTF-8 JSON objects', () => {
    malformed(`${seg('{"alg":"RS256",')}.${payload}.${signature}`);
    malformed(`${header}.${seg('not json')}.${signature}`);
    malformed(`${seg([1, 2])}.${payload}.${signature}`);
    malformed(`${header}.${seg('null')}.${signature}`);
    malformed(`${header}.${seg('"a string"')}.${signature}`);
    malformed(`${header}.${seg('42')}.${signature}`);
    malformed(`${Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64url')}.${payload}.${signature}`);
    malformed(`.${payload}.${signature}`);
    malformed(`${header}..${signature}`);
  });

  it('never throws, whatever it is given', () => {
    const alphabet = 'AB.-_=+/ {}"\\\u0000é';
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(1 + (i % 64));
      const t =
        i % 2 === 0
          ? bytes.toString('base64url').replace(/[a-f]/g, '.')
          : [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
      assert.doesNotThrow(() => peekJwt(t));
    }
  });
});
