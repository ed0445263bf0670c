/**
 * The forward-auth decision endpoint (issue #12): Traefik, nginx and Envoy ways of
 * describing the original request; 200 with identity headers, the data plane's 401 with
 * WWW-Authenticate, 404 for an unknown route, 400 without a description, 403 for a
 * caller that is not a trusted proxy, rate limits applied; nothing reaches the upstream.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS } from './fixtures.js';

/** A request from another loopback address (127.0.0.2), which trustProxy does not list. */
function sendFrom(localAddress: string, baseUrl: string, path: string, headers: Record<string, string>) {
  const url = new URL(baseUrl);
  return new Promise<SimpleResponse>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers, localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('decision endpoint', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let decisions: string;

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse({
      ...apiKeyConfig([upstream.url], { rateLimits: [{ by: 'apiKey', rate: '1/h', burst: 4 }] }),
      server: { dataPlane: { trustProxy: ['127.0.0.1'] }, decisions: { host: '127.0.0.1', port: 0 } },
    });
    decisions = gh.gatehouse.decisionsUrl;
    assert.match(decisions, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
  after(async () => {
    await gh?.stop();
    await upstream?.close();
  });

  it('Traefik ForwardAuth headers: 200 with the identity headers to copy and RateLimit headers', async () => {
    const res = await send(decisions, '/decisions', {
      headers: {
        'x-forwarded-method': 'POST',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example',
        'x-forwarded-uri': `${BASE_PATH}/orders?id=1`,
        'x-api-key': KEYS.alice,
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-auth-subject'], 'apikey:alice');
    assert.equal(res.headers['x-auth-key-id'], 'alice');
    assert.equal(res.headers['x-auth-method'], 'apiKeys');
    assert.equal(res.headers['ratelimit-policy'], '"apiKey";q=1;w=3600');
    assert.equal(res.text, '');
  });

  it('nginx auth_request headers without a credential: the data plane 401 JSON and WWW-Authenticate', async () => {
    const res = await send(decisions, '/decisions', {
      headers: { 'x-original-uri': `${BASE_PATH}/orders`, 'x-original-method': 'GET' },
    });
    assertGatehouseError(res, 401, 'missing_credentials');
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
  });

  it('Envoy ext_authz path_prefix: the original path after /decisions, the method of the check request', async () => {
    const res = await send(decisions, `/decisions${BASE_PATH}/orders`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${KEYS.bob}` },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-auth-subject'], 'apikey:bob');
  });

  it('an unknown route is 404 no_deployment; no description of the original request is 400', async () => {
    assertGatehouseError(
      await send(decisions, '/decisions', {
        headers: { 'x-forwarded-uri': '/nowhere', 'x-api-key': KEYS.alice },
      }),
      404,
      'no_deployment',
    );
    assertGatehouseError(
      await send(decisions, '/decisions', { headers: { 'x-api-key': KEYS.alice } }),
      400,
      'bad_request',
    );
    assertGatehouseError(
      await send(decisions, '/decisions', { headers: { 'x-forwarded-uri': 'http://evil/' } }),
      400,
      'bad_request',
    );
    assertGatehouseError(await send(decisions, '/elsewhere', {}), 404, 'no_deployment');
  });

  it('a caller that is not a trusted proxy gets 403, whatever it claims', async () => {
    const res = await sendFrom('127.0.0.2', decisions, '/decisions', {
      'x-forwarded-uri': `${BASE_PATH}/orders`,
      'x-api-key': KEYS.alice,
    });
    assertGatehouseError(res, 403, 'forbidden');
    assert.equal(res.headers['x-auth-subject'], undefined);
  });

  it('rate limits apply to decisions too (429 with Retry-After)', async () => {
    const ask = () =>
      send(decisions, '/decisions', {
        headers: { 'x-forwarded-uri': `${BASE_PATH}/r`, 'x-api-key': KEYS.alice },
      });
    // alice used 1 of her 4 above.
    for (let i = 0; i < 3; i++) assert.equal((await ask()).status, 200);
    const refused = await ask();
    assertGatehouseError(refused, 429, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) > 0);
  });

  it("the two conventions disagreeing is 400: an ingress passes the client's copy of the other one on", async () => {
    // nginx sets X-Original-URI/-Method and passes a client's X-Forwarded-Uri/-Method as
    // they came (Traefik the other way round): deciding on the client's copy allowed a
    // request the ingress then forwarded to another path, or with another method.
    const ask = (headers: Record<string, string>) =>
      send(decisions, '/decisions', { headers: { 'x-api-key': KEYS.partner, ...headers } });
    const uris = await ask({ 'x-forwarded-uri': `${BASE_PATH}/orders`, 'x-original-uri': '/admin/orders' });
    assertGatehouseError(uris, 400, 'bad_request');
    assert.match(uris.json<{ message: string }>().message, /X-Forwarded-Uri and X-Original-URI/);
    assert.equal(uris.headers['x-auth-subject'], undefined);
    assertGatehouseError(
      await ask({
        'x-original-uri': `${BASE_PATH}/orders`,
        'x-original-method': 'DELETE',
        'x-forwarded-method': 'GET',
      }),
      400,
      'bad_request',
    );
    const same = await ask({
      'x-forwarded-uri': `${BASE_PATH}/orders`,
      'x-original-uri': `${BASE_PATH}/orders`,
      'x-forwarded-method': 'GET',
      'x-original-method': 'GET',
    });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.headers['x-auth-subject'], 'apikey:partner');
  });

  it('a method in another case is 400, as on the data plane (never decided as the upper-case one)', async () => {
    const res = await send(decisions, '/decisions', {
      headers: {
        'x-forwarded-uri': `${BASE_PATH}/orders`,
        'x-forwarded-method': 'get',
        'x-api-key': KEYS.partner,
      },
    });
    assertGatehouseError(res, 400, 'bad_request');
    assert.equal(res.headers['x-auth-subject'], undefined);
  });

  it('never forwards anything; the data plane ignores a spoofed X-Forwarded-Uri', async () => {
    assert.equal(upstream.requests.length, 0);
    const res = await sendFrom('127.0.0.2', gh.url, `${BASE_PATH}/real`, {
      'x-forwarded-uri': '/public/api/v1/other/admin',
      'x-original-uri': '/public/api/v1/other/admin',
      'x-api-key': KEYS.bob,
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0]?.url, `${BASE_PATH}/real`);
  });
});
