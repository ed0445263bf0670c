import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { generateKeyPairFor, jwksOf, type TestKeyPair } from '../helpers/keys.js';
import { signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const ISSUER = 'https://late.issuer.test';
const AUDIENCE = 'late-api';

/** Sends a request and aborts it after `ms`, resolving when the socket is gone. */
function sendAndAbort(url: string, path: string, token: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = request({
      host: target.hostname,
      port: target.port,
      path,
      headers: { authorization: `Bearer ${token}` },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end();
    setTimeout(() => req.destroy(), ms);
  });
}

describe('an admission that completes after the client left', () => {
  let first: TestKeyPair;
  let rotated: TestKeyPair;
  let jwks: JwksServer;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    first = await generateKeyPairFor('RS256', 'first');
    rotated = await generateKeyPairFor('RS256', 'rotated');
    jwks = await startJwksServer(jwksOf(first));
    upstream = await startUpstream('late');
    gh = await startGatehouse({
      providers: [
        {
          id: 'idp',
          type: 'jwks',
          issuer: ISSUER,
          audiences: [AUDIENCE],
          jwksUri: jwks.jwksUri,
          jwks: { cacheMaxAgeSec: 600, minRefreshSec: 1, unknownKidCooldownSec: 1, fetchTimeoutMs: 5000 },
        },
      ],
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [
        { id: 'svc', versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: ['idp'] } } }] },
      ],
      deployments: [{ id: 'dep', service: 'svc', version: 'v1', infrastructure: 'infra' }],
    });
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    await jwks.close();
  });

  it('never forwards the request upstream', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken(
      { alg: 'RS256', kid: 'rotated' },
      { iss: ISSUER, aud: AUDIENCE, sub: 'late-user', iat: now, exp: now + 600 },
      rotated,
    );
    // The new kid forces a JWKS refetch, which the server answers only after 600 ms:
    // the admission is still pending when the client gives up at 100 ms.
    jwks.setKeys(jwksOf(first, rotated));
    jwks.setDelay(600);
    const fetchesBefore = jwks.jwksFetches;
    await sendAndAbort(gh.url, '/public/api/v1/svc/x', token, 100);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.ok(jwks.jwksFetches > fetchesBefore, 'the refetch happened (the admission really waited)');
    assert.equal(upstream.requests.length, 0, 'a request whose client left is not forwarded');
    // The same token now verifies and is forwarded normally.
    jwks.setDelay(0);
    const ok = await fetch(`${gh.url}/public/api/v1/svc/x`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0]?.headers['x-auth-subject'], 'late-user');
  });
});
