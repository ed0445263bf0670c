/**
 * CORS per deployment (issue #12), over HTTP: preflights answered before authentication
 * (even when the deployment does not serve OPTIONS), exact and wildcard-subdomain
 * origins, origins never reflected unless allowed, CORS headers on Gatehouse's own
 * errors, `Vary: Origin`, no change without a policy, `*` with credentials refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/issues.js';
import { parseConfig } from '../../src/config/load.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS } from './fixtures.js';

const CORS = {
  allowedOrigins: ['https://app.example', 'https://*.example.com'],
  allowedMethods: ['GET', 'POST'],
  allowedHeaders: ['Authorization', 'X-API-Key'],
  exposedHeaders: ['X-Trace'],
  allowCredentials: true,
  maxAgeSec: 120,
};

describe('CORS', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    upstream = await startUpstream('api');
    const config = apiKeyConfig([upstream.url], { cors: CORS, allowedMethods: ['GET', 'POST'] });
    const services = config.services as { versions: unknown[] }[];
    gh = await startGatehouse({
      ...config,
      services: [
        ...services,
        { id: 'plain', versions: [{ id: 'v1', auth: { methods: ['apiKeys'], apiKeys: {} } }] },
      ],
      deployments: [
        ...(config.deployments as unknown[]),
        { id: 'plain', service: 'plain', version: 'v1', infrastructure: 'infra' },
      ],
    });
  });
  after(async () => {
    await gh?.stop();
    await upstream?.close();
  });

  const preflight = (origin: string, path = `${BASE_PATH}/x`) =>
    send(gh.url, path, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });

  it('answers a preflight before authentication, though the deployment does not serve OPTIONS', async () => {
    const res = await preflight('https://app.example');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, POST');
    assert.equal(res.headers['access-control-allow-headers'], 'Authorization, X-API-Key');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['access-control-max-age'], '120');
    assert.match(String(res.headers.vary), /^Origin\b/);
    assert.equal(upstream.requests.length, 0);
  });

  it('matches subdomains of a wildcard at any depth, never the apex or a look-alike', async () => {
    for (const origin of ['https://a.example.com', 'https://a.b.example.com'])
      assert.equal((await preflight(origin)).headers['access-control-allow-origin'], origin);
    for (const origin of [
      'https://example.com',
      'https://evilexample.com',
      'http://a.example.com',
      'https://a.example.com.evil',
      'null',
    ]) {
      const res = await preflight(origin);
      assertGatehouseError(res, 403, 'forbidden');
      assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
    }
  });

  it("puts the CORS headers on Gatehouse's own 401, with the challenge exposed", async () => {
    const res = await send(gh.url, `${BASE_PATH}/x`, { headers: { origin: 'https://app.example' } });
    assertGatehouseError(res, 401, 'missing_credentials');
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.match(
      String(res.headers['access-control-expose-headers']),
      /WWW-Authenticate.*X-Request-Id.*X-Trace/,
    );
    assert.equal(res.headers.vary, 'Origin');
  });

  it('adds them to upstream answers, and never reflects an origin that is not allowed', async () => {
    const ok = await send(gh.url, `${BASE_PATH}/x`, {
      headers: { origin: 'https://a.example.com', 'x-api-key': KEYS.alice },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://a.example.com');
    const other = await send(gh.url, `${BASE_PATH}/x`, {
      headers: { origin: 'https://evil.test', 'x-api-key': KEYS.alice },
    });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.headers.vary, 'Origin');
  });

  it('changes nothing on a deployment without a policy: the preflight is authenticated like any request', async () => {
    const res = await preflight('https://app.example', '/public/api/v1/plain/x');
    assertGatehouseError(res, 401, 'missing_credentials');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers.vary, undefined);
  });

  it('refuses "*" with allowCredentials at load, with the key path', () => {
    const config = apiKeyConfig(['http://127.0.0.1:9'], {
      cors: { allowedOrigins: ['*'], allowCredentials: true },
    });
    assert.throws(
      () => parseConfig(JSON.stringify(config), { source: 't.yaml', baseDir: '/tmp', env: {} }),
      (err) =>
        err instanceof ConfigError && err.issues.some((i) => i.path === 'deployments[0].cors.allowedOrigins'),
    );
    const bad = apiKeyConfig(['http://127.0.0.1:9'], {
      cors: { allowedOrigins: ['https://app.example/path'] },
    });
    assert.throws(
      () => parseConfig(JSON.stringify(bad), { source: 't.yaml', baseDir: '/tmp', env: {} }),
      (err) =>
        err instanceof ConfigError &&
        err.issues.some((i) => i.path.startsWith('deployments[0].cors.allowedOrigins')),
    );
  });
});
