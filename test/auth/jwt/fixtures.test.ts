/** Every named fixture against a PEM provider and a JWKS provider: the expected answer, nothing else. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createJwtVerifier } from '../../../src/auth/jwt/verifier.js';
import type { JwtVerifier } from '../../../src/auth/jwt/types.js';
import { generateTestKeys, jwksOf, type TestKeys } from '../../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import {
  buildTokenFixtures,
  FIXTURE_NAMES,
  fixtureProvider,
  type TokenFixtures,
} from '../../helpers/token-fixtures.js';
import { jwksProvider, testDeps } from './support.js';

let keys: TestKeys;
let fixtures: TokenFixtures;
let server: JwksServer;
const deps = testDeps();
const verifiers: Record<string, JwtVerifier> = {};

before(async () => {
  keys = await generateTestKeys();
  fixtures = await buildTokenFixtures(keys, { now: deps.clock.now() });
  server = await startJwksServer(jwksOf(keys.rsa, keys.ec, keys.ed25519));
  verifiers.publicKey = createJwtVerifier(fixtureProvider(keys, 'publicKey'), deps);
  verifiers.jwks = createJwtVerifier(jwksProvider(keys, server.jwksUri), deps);
  await Promise.all(Object.values(verifiers).map((v) => v.start()));
});

after(async () => {
  for (const v of Object.values(verifiers)) v.stop();
  await server.close();
});

for (const providerType of ['publicKey', 'jwks'] as const) {
  describe(`fixtures against a ${providerType} provider`, () => {
    for (const name of FIXTURE_NAMES) {
      it(`${name}`, async () => {
        const fixture = fixtures[name];
        const verifier = verifiers[providerType];
        assert.ok(verifier);
        const result = await verifier.verify(fixture.token);
        if (fixture.expected === 'ok') {
          assert.equal(result.ok, true, `${fixture.about}: ${JSON.stringify(result)}`);
          return;
        }
        assert.equal(result.ok, false);
        if (result.ok) return;
        assert.equal(result.unavailable, false, `${fixture.about}: answered unavailable`);
        assert.equal(result.reason, fixture.expected, `${fixture.about}: ${result.description}`);
        // A description helps the caller and carries nothing of the token or the keys.
        assert.ok(result.description.length > 0 && result.description.length < 200);
        for (const part of fixture.token.split('.').filter((p) => p.length >= 8))
          assert.ok(!result.description.includes(part.slice(0, 16)), 'description echoes the token');
        // RFC 6750 error_description characters only (it goes into WWW-Authenticate).
        assert.match(result.description, /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
        assert.doesNotMatch(result.description, /BEGIN|no-such-kid|attacker|urn:example/);
      });
    }
  });
}
