/** End to end with a real authorization server (oidc-provider): discovery, JWKS, at+jwt, rotation. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/clock.js';
import type { JwtVerification, JwtVerifier } from '../../../src/auth/jwt/types.js';
import { createJwtVerifier } from '../../../src/auth/jwt/verifier.js';
import { peekJwt } from '../../../src/auth/jwt/peek.js';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server.js';
import { parseProvider } from '../../helpers/token-fixtures.js';
import { waitFor } from '../../helpers/async.js';
import { testDeps } from './support.js';

const API = 'https://api.gatehouse.test';
const OTHER_API = 'https://billing.gatehouse.test';
const reasonOf = (r: JwtVerification) => (r.ok ? 'ok' : `${r.reason}: ${r.description}`);

let idp: OidcServer;
let verifier: JwtVerifier;

before(async () => {
  idp = await startOidcServer({ resources: { [API]: 'read write', [OTHER_API]: 'pay' } });
  const parsed = parseProvider({
    id: 'corporate-idp',
    type: 'jwks',
    issuer: idp.issuer,
    discovery: true,
    audiences: [API],
    tokenType: 'at+jwt',
    algorithms: ['RS256'],
    requiredClaims: ['client_id'],
  });
  if (parsed.type !== 'jwks') throw new Error('jwks expected');
  verifier = createJwtVerifier(
    {
      ...parsed,
      jwks: { ...parsed.jwks, cacheMaxAgeSec: 0.4, minRefreshSec: 0.1, unknownKidCooldownSec: 0.05 },
    },
    testDeps(systemClock),
  );
  await verifier.start();
});
after(async () => {
  verifier.stop();
  await idp.close();
});

describe('tokens from a real OIDC authorization server', () => {
  it('accepts a client-credentials at+jwt for our resource, found through discovery', async () => {
    const issued = await idp.issueToken({ resource: API, scope: 'read write' });
    const result = await verifier.verify(issued.accessToken);
    assert.equal(reasonOf(result), 'ok');
    assert.ok(result.ok);
    assert.equal(result.claims.aud, API);
    assert.equal(result.claims.scope, 'read write');
    assert.equal(result.header.typ, 'at+jwt');
    assert.ok(Math.abs(result.expiresAt - (Date.now() + issued.expiresIn * 1000)) < 5000);
  });

  it('rejects a token issued for another resource as wrong_audience', async () => {
    const issued = await idp.issueToken({ resource: OTHER_API, scope: 'pay' });
    const result = await verifier.verify(issued.accessToken);
    assert.ok(!result.ok && !result.unavailable);
    assert.equal(result.reason, 'wrong_audience');
  });

  it('follows a key rotation: new kid via the unknown-kid refetch, old tokens while the old key is published', async () => {
    const before = await idp.issueToken({ resource: API, scope: 'read' });
    const fetchesBefore = idp.jwksFetches;
    await idp.rotate();
    const afterRotation = await idp.issueToken({ resource: API, scope: 'read' });
    assert.notEqual(peekJwt(afterRotation.accessToken)?.header.kid, peekJwt(before.accessToken)?.header.kid);
    assert.equal(reasonOf(await verifier.verify(afterRotation.accessToken)), 'ok');
    assert.ok(idp.jwksFetches > fetchesBefore);
    assert.equal(reasonOf(await verifier.verify(before.accessToken)), 'ok');

    idp.retireOld();
    // The removed key keeps verifying only until the next refresh (cacheMaxAgeSec 0.4 s).
    await waitFor(async () => !(await verifier.verify(before.accessToken)).ok, 'the next refresh', 3000, 5);
    const old = await verifier.verify(before.accessToken);
    assert.ok(!old.ok && old.reason === 'unknown_kid', reasonOf(old));
    assert.equal(reasonOf(await verifier.verify(afterRotation.accessToken)), 'ok');
  });
});
