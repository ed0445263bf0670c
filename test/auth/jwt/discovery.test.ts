/** OIDC discovery: jwks_uri from {issuer}/.well-known/openid-configuration, issuer checked exactly. */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../../src/clock.js';
import { discoveryUrl, readDiscoveryDocument } from '../../../src/auth/jwt/discovery.js';
import type { JwtVerification, JwtVerifier } from '../../../src/auth/jwt/types.js';
import { createJwtVerifier } from '../../../src/auth/jwt/verifier.js';
import { generateTestKeys, jwksOf, type TestKeys } from '../../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js';
import { FIXTURE_AUDIENCE, parseProvider, signToken } from '../../helpers/token-fixtures.js';
import { metricValue, testDeps, type TestDeps } from './support.js';

const START = Date.UTC(2026, 10, 22, 10, 0, 0);
let keys: TestKeys;
let server: JwksServer;
let clock: ManualClock;
let deps: TestDeps;
const started: JwtVerifier[] = [];
const reasonOf = (r: JwtVerification) => (r.ok ? 'ok' : r.reason);

function token(issuer: string): Promise<string> {
  const now = START / 1000;
  return signToken(
    { alg: 'RS256', kid: keys.rsa.kid },
    { iss: issuer, aud: FIXTURE_AUDIENCE, sub: 'u', iat: now, exp: now + 600 },
    keys.rsa,
  );
}

async function discoveringVerifier(issuer: string) {
  deps = testDeps(clock);
  const parsed = parseProvider({
    id: 'oidc',
    type: 'jwks',
    issuer,
    discovery: true,
    audiences: [FIXTURE_AUDIENCE],
  });
  if (parsed.type !== 'jwks') throw new Error('jwks expected');
  const v = createJwtVerifier(
    {
      ...parsed,
      jwks: { ...parsed.jwks, minRefreshSec: 10, unknownKidCooldownSec: 30, fetchTimeoutMs: 500 },
    },
    deps,
  );
  started.push(v);
  await v.start();
  return v;
}

before(async () => {
  keys = await generateTestKeys();
  server = await startJwksServer();
});
beforeEach(() => {
  clock = new ManualClock(START);
  server.setKeys(jwksOf(keys.rsa));
  server.setMode('ok');
  server.enableDiscovery();
  server.resetCounts();
});
afterEach(() => {
  for (const v of started.splice(0)) v.stop();
});
after(() => server.close());

describe('OIDC discovery', () => {
  it('builds the well-known URL, removing one terminating slash of the issuer', () => {
    assert.equal(discoveryUrl('https://id.test'), 'https://id.test/.well-known/openid-configuration');
    assert.equal(discoveryUrl('https://id.test/'), 'https://id.test/.well-known/openid-configuration');
    assert.equal(
      discoveryUrl('https://id.test/realms/a/'),
      'https://id.test/realms/a/.well-known/openid-configuration',
    );
  });

  it('checks the document: exact issuer, an http(s) jwks_uri, no downgrade from https, http only on loopback', () => {
    const doc = { issuer: 'https://id.test', jwks_uri: 'https://id.test/keys' };
    assert.deepEqual(readDiscoveryDocument(doc, 'https://id.test'), {
      ok: true,
      jwksUri: 'https://id.test/keys',
    });
    assert.equal(readDiscoveryDocument(doc, 'https://id.test/').ok, false);
    assert.equal(readDiscoveryDocument({ ...doc, issuer: 'https://ID.test' }, 'https://id.test').ok, false);
    assert.equal(
      readDiscoveryDocument({ ...doc, jwks_uri: 'http://id.test/keys' }, 'https://id.test').ok,
      false,
    );
    assert.equal(
      readDiscoveryDocument({ ...doc, jwks_uri: 'file:///etc/passwd' }, 'https://id.test').ok,
      false,
    );
    assert.equal(readDiscoveryDocument({ issuer: 'https://id.test' }, 'https://id.test').ok, false);
    assert.equal(readDiscoveryDocument([doc], 'https://id.test').ok, false);
    // http, as for a configured jwksUri: on loopback only, unless allowInsecureHttp.
    const local = { issuer: 'http://localhost:8080', jwks_uri: 'http://127.0.0.1:8081/keys' };
    assert.equal(readDiscoveryDocument(local, 'http://localhost:8080').ok, true);
    const remote = { ...local, jwks_uri: 'http://keys.id.test/keys' };
    assert.equal(readDiscoveryDocument(remote, 'http://localhost:8080').ok, false);
    assert.equal(readDiscoveryDocument(remote, 'http://localhost:8080', true).ok, true);
  });

  it('finds jwks_uri in the discovery document and verifies tokens of that issuer', async () => {
    const v = await discoveringVerifier(server.origin);
    assert.equal(v.issuer, server.origin);
    assert.equal(reasonOf(await v.verify(await token(server.origin))), 'ok');
    assert.equal(server.discoveryFetches, 1);
    assert.equal(server.jwksFetches, 1);
    assert.equal(await metricValue(deps.metrics.jwksFetches, { reason: 'discovery', result: 'success' }), 1);
  });

  it('refuses a document naming another issuer (mix-up): no JWKS fetched, 503 not 401', async () => {
    server.enableDiscovery({ issuer: 'https://evil.test' });
    const v = await discoveringVerifier(server.origin);
    const result = await v.verify(await token(server.origin));
    assert.ok(!result.ok && result.unavailable, JSON.stringify(result));
    assert.equal(server.jwksFetches, 0);
    // At start, then once on demand for the verify (one per cooldown).
    assert.equal(await metricValue(deps.metrics.jwksFetches, { reason: 'discovery', result: 'invalid' }), 2);
    assert.equal(server.discoveryFetches, 2);
    assert.match(deps.logLines.join(''), /another issuer/);
  });

  it('retries a failed discovery in the background and recovers', async () => {
    server.setMode('error500');
    const v = await discoveringVerifier(server.origin);
    assert.ok(!(await v.verify(await token(server.origin))).ok);
    server.setMode('ok');
    clock.advance(31_000);
    assert.equal(reasonOf(await v.verify(await token(server.origin))), 'ok');
    assert.equal(server.jwksFetches, 1);
  });
});
