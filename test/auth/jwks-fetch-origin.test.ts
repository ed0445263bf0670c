/**
 * Where Gatehouse fetches keys from: only the configured (or discovered) URL, under the
 * https rule, through the real gateway and real HTTP servers.
 *
 * - A JWKS endpoint that redirects is not followed: a redirect could lead the fetch to
 *   plain http or to another host, around the https rule checked on the configured URL.
 *   Before, fetch followed it and the keys served at the target verified tokens.
 * - A discovered `jwks_uri` follows the rule a configured `jwksUri` does: http only on
 *   loopback unless `allowInsecureHttp`. Before, a loopback issuer's discovery document
 *   could send the key fetch to any http host.
 *
 * 127.0.0.2 is a loopback address to the kernel but not one of the hosts the https rule
 * exempts (localhost, 127.0.0.1, [::1]), so it plays a remote http host.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { generateTestKeys, jwksOf, type TestKeyPair, type TestKeys } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { FIXTURE_AUDIENCE, signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const ISSUER = 'https://issuer.fetch-origin.test';

/** A plain HTTP server on `host` answering every request with `handle`; counts requests. */
async function listen(
  host: string,
  handle: (res: ServerResponse) => void,
): Promise<{ server: Server; url: string; readonly requests: number }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    handle(res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}/jwks.json`,
    get requests() {
      return requests;
    },
  };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

function token(key: TestKeyPair, issuer: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signToken(
    { alg: 'RS256', kid: key.kid },
    { iss: issuer, aud: FIXTURE_AUDIENCE, sub: 'user-42', iat: now, exp: now + 600, jti: randomUUID() },
    key,
  );
}

/** One deployment per provider, at /<provider id>. */
function deployments(upstream: TestUpstream, providers: ConfigObject[]): ConfigObject {
  return {
    providers,
    infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
    services: providers.map((p) => ({
      id: String(p.id),
      versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: [p.id] } } }],
    })),
    deployments: providers.map((p) => ({
      id: String(p.id),
      service: String(p.id),
      version: 'v1',
      infrastructure: 'infra',
      basePath: `/${String(p.id)}`,
    })),
  };
}

const jwks = { fetchTimeoutMs: 1000, unknownKidCooldownSec: 1, minRefreshSec: 10 };

describe('JWKS fetches go only where the https rule allows', () => {
  let keys: TestKeys;
  let upstream: TestUpstream;
  let target: JwksServer;
  let discovery: JwksServer;
  let redirect302: Awaited<ReturnType<typeof listen>>;
  let redirect307: Awaited<ReturnType<typeof listen>>;
  let remote: Awaited<ReturnType<typeof listen>>;
  let gh: TestGatehouse;

  const get = (path: string, t: string): Promise<SimpleResponse> =>
    send(gh.url, path, { headers: { authorization: `Bearer ${t}` } });

  before(async () => {
    keys = await generateTestKeys();
    upstream = await startUpstream('api');
    // Where the redirects lead: a JWKS publishing a key no configured URL publishes.
    target = await startJwksServer(jwksOf(keys.attacker));
    const redirectTo = (status: number) => (res: ServerResponse) => {
      res.writeHead(status, { location: target.jwksUri });
      res.end();
    };
    redirect302 = await listen('127.0.0.1', redirectTo(302));
    redirect307 = await listen('127.0.0.1', redirectTo(307));
    // An http JWKS off the exempt hosts, named by a loopback issuer's discovery document.
    remote = await listen('127.0.0.2', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwksOf(keys.rsa)));
    });
    discovery = await startJwksServer(jwksOf(keys.rsa));
    discovery.enableDiscovery({ jwks_uri: remote.url });
    const common = { type: 'jwks', audiences: [FIXTURE_AUDIENCE], jwks };
    gh = await startGatehouse(
      deployments(upstream, [
        { id: 'r302', ...common, issuer: ISSUER, jwksUri: redirect302.url },
        { id: 'r307', ...common, issuer: ISSUER, jwksUri: redirect307.url },
        { id: 'disco', ...common, issuer: discovery.origin, discovery: true },
        {
          id: 'discoinsecure',
          ...common,
          issuer: discovery.origin,
          discovery: true,
          allowInsecureHttp: true,
        },
      ]),
    );
  });
  after(async () => {
    await gh.stop();
    await Promise.all([
      target.close(),
      discovery.close(),
      close(redirect302.server),
      close(redirect307.server),
      close(remote.server),
    ]);
    await upstream.close();
  });

  it('does not follow a redirect of the JWKS endpoint: 503, never the keys at the target', async () => {
    for (const path of ['/r302/x', '/r307/x']) {
      const t = await token(keys.attacker, ISSUER);
      const seen = witness(upstream);
      assertRefused(await get(path, t), seen, { status: 503, error: 'auth_unavailable', reached: false });
    }
    assert.ok(redirect302.requests >= 1 && redirect307.requests >= 1, 'the configured URLs were asked');
    assert.equal(target.jwksFetches, 0, 'no fetch reached the redirect target');
    assert.match(gh.log.text(), /HTTP 302 \(redirects are not followed\)/);
  });

  it('refuses a discovered http jwks_uri on a host other than loopback unless allowInsecureHttp', async () => {
    const t = await token(keys.rsa, discovery.origin);
    const seen = witness(upstream);
    assertRefused(await get('/disco/x', t), seen, { status: 503, error: 'auth_unavailable', reached: false });
    assert.match(gh.log.text(), /discovery jwks_uri is http on a host other than loopback/);

    // The provider that allows insecure http reads the same document and the same keys.
    assert.equal((await get('/discoinsecure/x', t)).status, 200);
    assert.equal(remote.requests, 1, 'only the provider with allowInsecureHttp fetched the http JWKS');
  });
});
