import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { generateKeyPairFor, jwksOf, type TestKeyPair } from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const ISSUER = 'https://late.issuer.test';
const AUDIENCE = 'late-api';

/** Sends a request, resolving once it is on the wire; `abort()` destroys it and resolves when its socket is gone. */
function sendAbortable(url: string, path: string, token: string): { abort(): Promise<void> } {
  const target = new URL(url);
  const req = request({
    host: target.hostname,
    port: target.port,
    path,
    headers: { authorization: `Bearer ${token}` },
  });
  const gone = new Promise<void>((resolve) => req.on('close', () => resolve()));
  req.on('error', () => undefined);
  req.end();
  return {
    abort: () => {
      req.destroy();
      return gone;
    },
  };
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
    const admitted = { deployment: 'dep', method: 'jwt', outcome: 'allowed' };
    // The new kid forces a JWKS refetch, which the server holds until the test releases
    // it: every step below waits for an event, never for a timer.
    jwks.setKeys(jwksOf(first, rotated));
    const hold = jwks.holdNext();
    const late = sendAbortable(gh.url, '/public/api/v1/svc/late', token);
    await hold.arrived; // the admission is waiting on the refetch
    await late.abort();
    await waitFor(
      async () => (await readMetric(gh.adminUrl, 'gatehouse_requests_total', { deployment: 'dep' })) === 1,
      'Gatehouse to count the abandoned request (499)',
    );
    assert.equal(await readMetric(gh.adminUrl, 'gatehouse_auth_outcomes_total', admitted), undefined);

    hold.release();
    await waitFor(
      async () => (await readMetric(gh.adminUrl, 'gatehouse_auth_outcomes_total', admitted)) === 1,
      'the late admission to settle (allowed)',
    );
    // The same token, now verified from the new keys, is forwarded; it must be the only request upstream.
    const ok = await send(gh.url, '/public/api/v1/svc/after', {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(
      upstream.requests.map((r) => r.url),
      ['/public/api/v1/svc/after'],
      'a request whose client left is not forwarded',
    );
    assert.equal(upstream.requests[0]?.headers['x-auth-subject'], 'late-user');
    assert.equal(
      await readMetric(gh.adminUrl, 'gatehouse_requests_total', { deployment: 'dep', status_class: '4xx' }),
      1,
      'the abandoned request counted as 499',
    );
  });
});
