/**
 * Key material written in the config is validated by the schema, at its key path
 * (issue #9 §5): a `publicKey` provider's PEMs and JWKs, and the token service's signing
 * keys. The schema's verdict must be the importer's verdict (src/auth/jwt/import-keys.ts),
 * so `check-config` never accepts a key that `start` refuses; no message echoes key material.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { JwsAlgorithm } from '../../src/auth/jwt/algorithms.js';
import { importPublicJwk, importPublicPem } from '../../src/auth/jwt/import-keys.js';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.js';
import { parseConfig } from '../../src/config/load.js';
import { createProviderSchema, type AsymmetricAlgorithm } from '../../src/config/schema-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));

type Key = { kid?: string; pem: string } | { kid?: string; jwk: Record<string, unknown> };

function configWith(keys: Key[], algorithms: AsymmetricAlgorithm[]): string {
  return stringify({
    providers: [{ id: 'pk', type: 'publicKey', audiences: ['api'], algorithms, keys }],
  });
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, { source: 'test.yaml', baseDir: dir, env: {} });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return [...err.issues];
  }
}

const spki = (key: KeyObject): string => key.export({ format: 'pem', type: 'spki' }) as string;
const pkcs8 = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }) as string;
const publicJwk = (key: KeyObject): Record<string, unknown> => ({ ...key.export({ format: 'jwk' }) });

/** 16-character pieces of a PEM's base64 body: none may appear in a message. */
function materialPieces(pem: string): string[] {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
  const pieces: string[] = [];
  for (let i = 0; i + 16 <= body.length; i += 16) pieces.push(body.slice(i, i + 16));
  return pieces;
}

describe('publicKey provider keys are validated by the schema', () => {
  let rsa: { publicKey: KeyObject; privateKey: KeyObject };
  let weakRsa: KeyObject;
  let ec256: { publicKey: KeyObject; privateKey: KeyObject };
  let ec384: KeyObject;
  let ed25519: KeyObject;
  before(() => {
    rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    ed25519 = generateKeyPairSync('ed25519').publicKey;
  });

  /** [name, key, algorithms, expected message at keys[0].<field>, or undefined when accepted] */
  const cases = (): [string, Key, AsymmetricAlgorithm[], RegExp | undefined][] => [
    ['an RSA-2048 SPKI PEM', { pem: spki(rsa.publicKey) }, ['RS256'], undefined],
    [
      'a PKCS#1 RSA PEM',
      { pem: rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string },
      ['PS256'],
      undefined,
    ],
    ['an EC P-256 PEM', { pem: spki(ec256.publicKey) }, ['ES256'], undefined],
    ['an Ed25519 PEM', { pem: spki(ed25519) }, ['EdDSA'], undefined],
    ['an EC P-256 JWK', { jwk: publicJwk(ec256.publicKey) }, ['ES256'], undefined],
    [
      'an RSA JWK with use sig and alg',
      { jwk: { ...publicJwk(rsa.publicKey), use: 'sig', alg: 'RS256' } },
      ['RS256'],
      undefined,
    ],
    [
      'a PKCS#8 private key',
      { pem: pkcs8(ec256.privateKey) },
      ['ES256'],
      /holds a private key; configure the public key only/,
    ],
    [
      'a PKCS#1 RSA private key',
      { pem: rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string },
      ['RS256'],
      /holds a private key/,
    ],
    [
      'text that is not a PEM',
      { pem: 'not a pem at all' },
      ['RS256'],
      /is not a PEM public key or certificate/,
    ],
    [
      'a truncated PEM',
      { pem: spki(rsa.publicKey).slice(0, 120) },
      ['RS256'],
      /is not a PEM public key or certificate/,
    ],
    [
      'an RSA-1024 PEM',
      { pem: spki(weakRsa) },
      ['RS256'],
      /RSA key has 1024 bits; at least 2048 are required/,
    ],
    ['an RSA-1024 JWK', { jwk: publicJwk(weakRsa) }, ['RS256'], /RSA key has 1024 bits/],
    [
      'an EC P-384 PEM on a provider allowing RS256 and ES256',
      { pem: spki(ec384) },
      ['RS256', 'ES256'],
      /an EC P-384 key fits none of the provider's algorithms \(RS256, ES256\)/,
    ],
    ['an Ed25519 PEM on an RSA provider', { pem: spki(ed25519) }, ['RS256'], /an OKP Ed25519 key fits none/],
    [
      'a JWK whose alg is not allowed',
      { jwk: { ...publicJwk(rsa.publicKey), alg: 'RS512' } },
      ['RS256'],
      /"alg" RS512 fits none/,
    ],
    [
      'a private JWK',
      { jwk: { ...publicJwk(rsa.publicKey), d: 'AQAB' } },
      ['RS256'],
      /private or secret key \(it has "d"\)/,
    ],
    [
      'a symmetric JWK',
      { jwk: { kty: 'oct', k: 'c2VjcmV0' } },
      ['RS256'],
      /private or secret key \(it has "k"\)/,
    ],
    [
      'a JWK for encryption',
      { jwk: { ...publicJwk(rsa.publicKey), use: 'enc' } },
      ['RS256'],
      /"use" must be "sig"/,
    ],
    [
      'a JWK without verify in key_ops',
      { jwk: { ...publicJwk(rsa.publicKey), key_ops: ['encrypt'] } },
      ['RS256'],
      /"key_ops" must include "verify"/,
    ],
    [
      'a JWK whose alg is a number',
      { jwk: { ...publicJwk(rsa.publicKey), alg: 5 } },
      ['RS256'],
      /"alg" must be a string/,
    ],
    ['an empty JWK', { jwk: {} }, ['RS256'], /a key without "kty" fits none/],
    [
      'a JWK with a point off the curve',
      { jwk: { ...publicJwk(ec256.publicKey), y: publicJwk(ec256.publicKey).x } },
      ['ES256'],
      /is not a valid public key/,
    ],
    [
      'a JWK with a number for n',
      { jwk: { ...publicJwk(rsa.publicKey), n: 5 } },
      ['RS256'],
      /is not a valid public key/,
    ],
  ];

  it('refuses an unusable key at providers[i].keys[j].pem|jwk with the reason, and accepts usable ones', () => {
    for (const [name, key, algorithms, expected] of cases()) {
      // The key under test is the second one: the path must name its index.
      const keys: Key[] = [{ kid: 'fine', pem: spki(rsa.publicKey) }, key];
      const issues = issuesOf(configWith(keys, [...new Set<AsymmetricAlgorithm>(['RS256', ...algorithms])]));
      const field = 'pem' in key ? 'pem' : 'jwk';
      if (expected === undefined) {
        assert.deepEqual(issues, [], `${name} is accepted`);
        continue;
      }
      assert.deepEqual(
        issues.map((i) => i.path),
        [`providers[0].keys[1].${field}`],
        `${name}: ${JSON.stringify(issues)}`,
      );
      const message = (issues[0] as ConfigIssue).message;
      // RS256 is added for the first key; the expected texts above name the case's own list.
      assert.match(message.replace('RS256, RS256', 'RS256'), expected, name);
      if ('pem' in key)
        for (const piece of materialPieces(key.pem))
          assert.ok(!message.includes(piece), `${name}: the message echoes key material`);
    }
  });

  it('says what the verifier will say: the schema refuses exactly the keys the importer refuses', async () => {
    const schema = createProviderSchema({ baseDir: dir, env: {} });
    for (const [name, key, algorithms] of cases()) {
      const provider = { id: 'pk', type: 'publicKey', audiences: ['api'], algorithms, keys: [key] };
      const schemaAccepts = schema.safeParse(provider).success;
      const allowed = new Set<JwsAlgorithm>(algorithms);
      const importerAccepts = await (
        'pem' in key ? importPublicPem(key.pem, key.kid, allowed) : importPublicJwk(key.jwk, key.kid, allowed)
      ).then(
        () => true,
        () => false,
      );
      assert.equal(
        schemaAccepts,
        importerAccepts,
        `${name}: schema ${schemaAccepts}, importer ${importerAccepts}`,
      );
    }
  });

  it('validates a provider that no deployment uses (it is checked now, not on the day it is used)', () => {
    const issues = issuesOf(configWith([{ pem: spki(weakRsa) }], ['RS256']));
    assert.deepEqual(
      issues.map((i) => i.path),
      ['providers[0].keys[0].pem'],
    );
  });

  it('validates a PEM given by {file} reference the same way, naming the reference', () => {
    const text = configWith([{ pem: 'placeholder' }], ['RS256']).replace(
      'pem: placeholder',
      `pem: {env: PK_PEM}`,
    );
    const issues = (() => {
      try {
        parseConfig(text, { source: 'test.yaml', baseDir: dir, env: { PK_PEM: pkcs8(rsa.privateKey) } });
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return [...err.issues];
      }
    })();
    assert.deepEqual(
      issues.map((i) => [i.path, /holds a private key/.test(i.message)]),
      [['providers[0].keys[0].pem', true]],
    );
  });
});

describe('token signing keys are validated by the schema', () => {
  it('refuses a public key given where the private signing key belongs, without echoing it', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = spki(publicKey);
    const text = stringify({
      tokens: { signing: { keys: [{ kid: 'k1', algorithm: 'EdDSA', privateKey: pem }], activeKid: 'k1' } },
    });
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((i) => [i.path, i.message]),
      [
        [
          'tokens.signing.keys[0].privateKey',
          'holds a public key or certificate; signing needs the private key',
        ],
      ],
    );
  });
});
