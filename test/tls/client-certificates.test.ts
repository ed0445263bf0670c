/**
 * Client certificates: `required` refuses in the handshake a client without one, with
 * one of another CA, an expired one and a revoked one (CRL); `optional` with method
 * `mtls` maps the certificate to an identity (CN, SPIFFE URI SAN, grants), answers 401
 * for a bad certificate and 403 for one that maps to no identity; `[mtls, jwt]` either
 * way, and `combine: allOf` both.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { makePki, type Pki } from './pki.js';
import { answered, dataPlaneTls, httpsSend } from './support.js';

const SECRET = 'a-test-hmac-secret-of-enough-length-for-hs256!';
const ISSUER = 'https://issuer.tls.test';
const AUDIENCE = 'https://api.tls.test';

function token(subject: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
}

function deployment(id: string, auth: ConfigObject): { version: ConfigObject; deployment: ConfigObject } {
  return {
    version: { id, auth },
    deployment: { id, service: 'svc', version: id, infrastructure: 'infra', basePath: `/${id}` },
  };
}

function config(
  upstream: TestUpstream,
  pki: Pki,
  mode: string,
  auths: Record<string, ConfigObject>,
): ConfigObject {
  const entries = Object.entries(auths).map(([id, auth]) => deployment(id, auth));
  return {
    server: { dataPlane: { tls: dataPlaneTls(pki, { crl: pki.path('crl.pem'), clientCertificates: mode }) } },
    providers: [
      { id: 'hs', type: 'hmac', issuer: ISSUER, audiences: [AUDIENCE], secrets: [{ secret: SECRET }] },
    ],
    infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
    services: [{ id: 'svc', versions: entries.map((e) => e.version) }],
    deployments: entries.map((e) => e.deployment),
  };
}

describe('clientCertificates: required', () => {
  let pki: Pki;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
    upstream = await startUpstream('a');
    gh = await startGatehouse(config(upstream, pki, 'required', { open: { methods: ['public'] } }));
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('serves a client with a certificate of the CA', async () => {
    const res = answered(await httpsSend(gh.url, { pki, client: 'alice', path: '/open/x' }));
    assert.equal(res.status, 200);
  });

  for (const [what, client] of [
    ['without a certificate', undefined],
    ['with a certificate of another CA', 'mallory'],
    ['with an expired certificate', 'expired'],
    ['with a revoked certificate (CRL)', 'revoked'],
  ] as const)
    it(`refuses the handshake of a client ${what}; nothing reaches the upstream`, async () => {
      const before = upstream.requests.length;
      const res = await httpsSend(gh.url, { pki, path: '/open/x', ...(client ? { client } : {}) });
      assert.equal(res.ok, false, JSON.stringify(res));
      assert.equal(upstream.requests.length, before);
    });
});

describe('clientCertificates: optional with method mtls', () => {
  let pki: Pki;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
    upstream = await startUpstream('a');
    gh = await startGatehouse(
      config(upstream, pki, 'optional', {
        cn: { methods: ['mtls'], mtls: { groupsFromOu: true } },
        spiffe: {
          methods: ['mtls'],
          mtls: {
            subjectFrom: 'uriSan',
            sanPrefix: 'spiffe://cluster.local/',
            grants: [
              { match: 'spiffe://cluster.local/ns/payments/*', groups: ['payments'], scopes: ['pay:write'] },
            ],
          },
          require: { groups: { anyOf: ['payments'] }, scopes: ['pay:write'] },
        },
        either: { methods: ['mtls', 'jwt'], jwt: { providers: ['hs'] } },
        both: { methods: ['mtls', 'jwt'], combine: 'allOf', jwt: { providers: ['hs'] } },
      }),
    );
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const reached = (): Record<string, string | string[] | undefined> =>
    upstream.requests.at(-1)?.headers ?? {};

  it('authenticates by the certificate: subject from the CN, groups from the OU, fingerprint as key id', async () => {
    const res = answered(await httpsSend(gh.url, { pki, client: 'alice', path: '/cn/x' }));
    assert.equal(res.status, 200);
    const headers = reached();
    assert.equal(headers['x-auth-method'], 'mtls');
    assert.equal(headers['x-auth-subject'], 'alice');
    assert.equal(headers['x-auth-groups'], 'team-a');
    assert.equal(headers['x-auth-key-id'], new X509Certificate(pki.read('alice.crt')).fingerprint256);
  });

  it('ignores identity headers a client sends along with its certificate', async () => {
    const res = answered(
      await httpsSend(gh.url, { pki, client: 'bob', path: '/cn/x', headers: { 'x-auth-subject': 'root' } }),
    );
    assert.equal(res.status, 200);
    assert.equal(reached()['x-auth-subject'], 'bob');
  });

  it('answers 401 missing_credentials to a client without a certificate; nothing is forwarded', async () => {
    const before = upstream.requests.length;
    const res = answered(await httpsSend(gh.url, { pki, path: '/cn/x' }));
    assert.equal(res.status, 401);
    assert.equal(res.json().error, 'missing_credentials');
    assert.equal(upstream.requests.length, before);
  });

  for (const [what, client] of [
    ['of another CA', 'mallory'],
    ['that expired', 'expired'],
    ['that was revoked', 'revoked'],
  ] as const)
    it(`answers 401 invalid_token to a certificate ${what}`, async () => {
      const before = upstream.requests.length;
      const res = answered(await httpsSend(gh.url, { pki, client, path: '/cn/x' }));
      assert.equal(res.status, 401);
      assert.equal(res.json().error, 'invalid_token');
      assert.equal(upstream.requests.length, before);
    });

  it('refuses TLS 1.2 renegotiation: a client could present a certificate of another CA in it', async () => {
    // Node sets `authorized` after the first handshake only: after a renegotiation with a
    // certificate of any CA, getPeerCertificate() would name that one, still `authorized`.
    const url = new URL(gh.url);
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({
        host: url.hostname,
        port: Number(url.port),
        ca: pki.read('ca.crt'),
        cert: pki.read('alice.crt'),
        key: pki.read('alice.key'),
        maxVersion: 'TLSv1.2',
      });
      const done = (result: string): void => {
        socket.destroy();
        resolve(result);
      };
      socket.on('error', (err: Error) => done(`error: ${err.message}`));
      socket.once('secureConnect', () => {
        assert.equal(socket.authorized, true);
        const asked = socket.renegotiate({ rejectUnauthorized: true }, (err) =>
          done(err ? `error: ${err.message}` : 'renegotiated'),
        );
        if (!asked) done('not asked');
      });
    });
    assert.notEqual(outcome, 'renegotiated');
  });

  it('answers 403 forbidden to a valid certificate that maps to no identity (no CN)', async () => {
    const before = upstream.requests.length;
    const res = answered(await httpsSend(gh.url, { pki, client: 'nocn', path: '/cn/x' }));
    assert.equal(res.status, 403);
    assert.equal(res.json().error, 'forbidden');
    assert.equal(upstream.requests.length, before);
  });

  for (const [what, client] of [
    ['a CN with a trailing space (X-Auth-Subject would read `alice`)', 'padded-cn'],
    ['an OU with a leading space, with groupsFromOu', 'padded-ou'],
  ] as const)
    it(`answers 403 forbidden to a valid certificate with ${what}`, async () => {
      const before = upstream.requests.length;
      const res = answered(await httpsSend(gh.url, { pki, client, path: '/cn/x' }));
      assert.equal(res.status, 403);
      assert.equal(res.json().error, 'forbidden');
      assert.equal(upstream.requests.length, before);
    });

  it('maps a SPIFFE URI SAN to the subject, with groups and scopes from the grants', async () => {
    const res = answered(await httpsSend(gh.url, { pki, client: 'spiffe', path: '/spiffe/x' }));
    assert.equal(res.status, 200);
    const headers = reached();
    assert.equal(headers['x-auth-subject'], 'spiffe://cluster.local/ns/payments/sa/checkout');
    assert.equal(headers['x-auth-groups'], 'payments');
    assert.equal(headers['x-auth-scopes'], 'pay:write');
  });

  it('answers 403 on the SPIFFE deployment to a certificate without the URI SAN', async () => {
    const res = answered(await httpsSend(gh.url, { pki, client: 'alice', path: '/spiffe/x' }));
    assert.equal(res.status, 403);
  });

  it('[mtls, jwt]: a certificate alone or a token alone is enough', async () => {
    const byCert = answered(await httpsSend(gh.url, { pki, client: 'alice', path: '/either/x' }));
    assert.equal(byCert.status, 200);
    assert.equal(reached()['x-auth-method'], 'mtls');
    const jwt = await token('carol');
    const byToken = answered(
      await httpsSend(gh.url, { pki, path: '/either/x', headers: { authorization: `Bearer ${jwt}` } }),
    );
    assert.equal(byToken.status, 200);
    assert.equal(reached()['x-auth-method'], 'jwt');
    assert.equal(reached()['x-auth-subject'], 'carol');
  });

  it('combine: allOf needs the certificate and the token', async () => {
    const jwt = await token('carol');
    const before = upstream.requests.length;
    const certOnly = answered(await httpsSend(gh.url, { pki, client: 'alice', path: '/both/x' }));
    assert.equal(certOnly.status, 401);
    const tokenOnly = answered(
      await httpsSend(gh.url, { pki, path: '/both/x', headers: { authorization: `Bearer ${jwt}` } }),
    );
    assert.equal(tokenOnly.status, 401);
    const badToken = answered(
      await httpsSend(gh.url, {
        pki,
        client: 'alice',
        path: '/both/x',
        headers: { authorization: 'Bearer x.y.z' },
      }),
    );
    assert.equal(badToken.status, 401);
    assert.equal(upstream.requests.length, before);
    const both = answered(
      await httpsSend(gh.url, {
        pki,
        client: 'alice',
        path: '/both/x',
        headers: { authorization: `Bearer ${jwt}` },
      }),
    );
    assert.equal(both.status, 200);
    assert.equal(reached()['x-auth-method'], 'mtls+jwt');
    assert.equal(reached()['x-auth-subject'], 'alice');
  });
});
