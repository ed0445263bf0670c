/**
 * Signing keys: RS256/ES256/EdDSA with the public JWKS, rotation by `kid` through a
 * config reload (tokens of the previous key keep working while it stays listed), a key
 * of another Gatehouse instance refused, HS256 (empty JWKS), and signing settings that
 * the configuration refuses.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { ManualClock } from '../../src/clock.js';
import { ConfigError } from '../../src/config/issues.js';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigObject, TestGatehouse } from '../helpers/gatehouse.js';
import { startGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { assertReached, assertRefused, login, putUsers, tokenConfig } from './support.js';

const NOW = Date.UTC(2026, 8, 1, 0, 0, 0);
const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']): string =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEYS = {
  rsa: pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  rsaOther: pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  ec: pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  ed: pem(generateKeyPairSync('ed25519').privateKey),
  weakRsa: pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
};

type KeyEntry = { kid: string; algorithm: string; file: string };

function signingConfig(upstream: string, keys: readonly KeyEntry[], activeKid: string): ConfigObject {
  return tokenConfig(upstream, {
    signing: {
      activeKid,
      keys: keys.map((k) => ({ kid: k.kid, algorithm: k.algorithm, privateKey: { file: k.file } })),
    },
  });
}

async function jwks(gh: TestGatehouse): Promise<JSONWebKeySet> {
  const res = await send(gh.adminUrl, '/.well-known/jwks.json');
  assert.equal(res.status, 200);
  return res.json<JSONWebKeySet>();
}

describe('signing keys and rotation', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const clock = new ManualClock(NOW);
  const k1 = { kid: 'k1', algorithm: 'RS256', file: 'k1.pem' };
  const k2 = { kid: 'k2', algorithm: 'ES256', file: 'k2.pem' };
  const k3 = { kid: 'k3', algorithm: 'EdDSA', file: 'k3.pem' };

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(signingConfig(upstream.url, [k1], 'k1'), {
      clock,
      files: { 'k1.pem': KEYS.rsa },
    });
    writeFileSync(join(gh.dir, 'k2.pem'), KEYS.ec);
    writeFileSync(join(gh.dir, 'k3.pem'), KEYS.ed);
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('rotates by kid: old tokens verify while their key is listed, the JWKS lists every key', async () => {
    const first = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
    assert.deepEqual(decodeProtectedHeader(first), { alg: 'RS256', kid: 'k1', typ: 'JWT' });
    let set = await jwks(gh);
    assert.deepEqual(
      set.keys.map((k) => [k.kid, k.alg, k.use, k.kty]),
      [['k1', 'RS256', 'sig', 'RSA']],
    );
    assert.ok(
      set.keys.every((k) => k.d === undefined && k.p === undefined),
      'public halves only',
    );
    const verified = await jwtVerify(first, createLocalJWKSet(set), { currentDate: new Date(NOW) });
    assert.equal(verified.payload.sub, 'alice', 'anyone can verify with the published JWKS');

    gh.writeConfig(signingConfig(upstream.url, [k1, k2, k3], 'k2'));
    assert.equal((await gh.gatehouse.reload()).ok, true);
    const second = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
    assert.deepEqual(decodeProtectedHeader(second), { alg: 'ES256', kid: 'k2', typ: 'JWT' });
    set = await jwks(gh);
    assert.deepEqual(
      set.keys.map((k) => [k.kid, k.alg, k.kty]),
      [
        ['k1', 'RS256', 'RSA'],
        ['k2', 'ES256', 'EC'],
        ['k3', 'EdDSA', 'OKP'],
      ],
    );
    await assertReached(gh.url, '/open/x', first, upstream, 'alice');
    await assertReached(gh.url, '/open/x', second, upstream, 'alice');

    gh.writeConfig(signingConfig(upstream.url, [k2, k3], 'k3'));
    assert.equal((await gh.gatehouse.reload()).ok, true);
    const third = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
    assert.equal(decodeProtectedHeader(third).alg, 'EdDSA');
    await assertReached(gh.url, '/open/x', third, upstream, 'alice');
    await assertReached(gh.url, '/open/x', second, upstream, 'alice');
    // A key removed from the list verifies nothing any more (that is how a leaked key is retired).
    await assertRefused(gh.url, '/open/x', first, upstream, 401, 'invalid_token');
    clock.advance(331_000);
    await assertRefused(gh.url, '/open/x', second, upstream, 401, 'invalid_token');
  });

  it('refuses a JWT signed by another instance under the same kid', async () => {
    const other = await startGatehouse(signingConfig(upstream.url, [{ ...k3, algorithm: 'RS256' }], 'k3'), {
      clock,
      files: { 'k3.pem': KEYS.rsaOther },
    });
    try {
      await putUsers(other.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
      const foreign = (await login(other.adminUrl, 'alice', 'alice-pw')).jwt;
      await assertRefused(gh.url, '/open/x', foreign, upstream, 401, 'invalid_token');
    } finally {
      await other.stop();
    }
  });

  it('an invalid signing change on reload is refused and the running keys keep signing', async () => {
    gh.writeConfig(signingConfig(upstream.url, [k2, k3], 'k9'));
    assert.equal((await gh.gatehouse.reload()).ok, false);
    const jwt = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
    assert.equal(decodeProtectedHeader(jwt).kid, 'k3');
  });

  it('HS256 publishes an empty JWKS', async () => {
    const hs = await startGatehouse(tokenConfig(upstream.url));
    try {
      assert.deepEqual(await jwks(hs), { keys: [] });
    } finally {
      await hs.stop();
    }
  });

  it('refuses unsafe or inconsistent signing settings at load, naming the key path', () => {
    const env = { SHORT: 'too-short', GOOD: 'x'.repeat(32) };
    const files = { 'rsa.pem': KEYS.rsa, 'ec.pem': KEYS.ec, 'weak.pem': KEYS.weakRsa };
    const dir = gh.dir;
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const cases: [unknown, RegExp][] = [
      [{ secret: { env: 'SHORT' } }, /tokens\.signing\.secret.*32 bytes/],
      [{ secret: { env: 'GOOD' }, keys: [] }, /tokens\.signing/],
      [{ keys: [{ kid: 'a', algorithm: 'RS256', privateKey: { file: 'ec.pem' } }] }, /RS256 needs an RSA/],
      [{ keys: [{ kid: 'a', algorithm: 'RS256', privateKey: { file: 'weak.pem' } }] }, /2048 bits/],
      [{ keys: [{ kid: 'a', algorithm: 'ES256', privateKey: { file: 'rsa.pem' } }] }, /ES256 needs a P-256/],
      [
        { keys: [{ kid: 'a', algorithm: 'EdDSA', privateKey: { file: 'rsa.pem' } }] },
        /EdDSA needs an Ed25519/,
      ],
      [{ keys: [{ kid: 'a', algorithm: 'RS256', privateKey: 'not a pem' }] }, /not a PEM private key/],
      [{ keys: [{ kid: 'a', algorithm: 'RS256', privateKey: { file: 'missing.pem' } }] }, /cannot be read/],
      [
        {
          activeKid: 'a',
          keys: [
            { kid: 'a', algorithm: 'HS256', secret: { env: 'GOOD' } },
            { kid: 'b', algorithm: 'RS256', privateKey: { file: 'rsa.pem' } },
          ],
        },
        /cannot be mixed/,
      ],
      [
        {
          keys: [
            { kid: 'a', algorithm: 'RS256', privateKey: { file: 'rsa.pem' } },
            { kid: 'b', algorithm: 'ES256', privateKey: { file: 'ec.pem' } },
          ],
        },
        /activeKid/,
      ],
      [
        { activeKid: 'z', keys: [{ kid: 'a', algorithm: 'ES256', privateKey: { file: 'ec.pem' } }] },
        /activeKid/,
      ],
    ];
    for (const [signing, expected] of cases) {
      const text = JSON.stringify({ store: { type: 'memory' }, tokens: { signing } });
      assert.throws(
        () => parseConfig(text, { source: 'test.yaml', baseDir: dir, env }),
        (err: unknown) => err instanceof ConfigError && expected.test(JSON.stringify(err.issues)),
        JSON.stringify(signing),
      );
    }
    const fine = parseConfig(
      JSON.stringify({
        tokens: { signing: { keys: [{ kid: 'a', algorithm: 'ES256', privateKey: { file: 'ec.pem' } }] } },
      }),
      { source: 'test.yaml', baseDir: dir, env },
    );
    assert.equal(fine.tokens.signing?.keys?.[0]?.kid, 'a');
  });
});
