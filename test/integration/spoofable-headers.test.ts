/**
 * Spoofable inbound headers are removed, not only their exact names (issue #8): names
 * are compared with `_` read as `-` and case folded (CGI/WSGI/PHP servers fold
 * `X_Auth_Subject` into HTTP_X_AUTH_SUBJECT), and other proxies' identity, certificate,
 * address and URL/method-override headers are removed by default, with a per-deployment
 * list to keep or add names. Sent on raw sockets so every name goes out byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/auth/api-key-hash.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { sendRawRequest } from '../helpers/http.js';
import { startUpstream, type RecordedRequest, type TestUpstream } from '../helpers/upstream.js';

const API_KEY = 'ghk_spoofableHeadersKeyAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Header names the upstream received, folded the way a CGI server reads them. */
function foldedNames(request: RecordedRequest | undefined): Set<string> {
  assert.ok(request, 'the upstream received the request');
  const names = new Set<string>();
  for (let i = 0; i < request.rawHeaders.length; i += 2)
    names.add((request.rawHeaders[i] as string).toLowerCase().replaceAll('_', '-'));
  return names;
}

describe('spoofable inbound headers', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let host = '';

  /** Sends GET `path` with the header lines given, expects 200 and one upstream request. */
  const forward = async (path: string, lines: readonly string[]): Promise<RecordedRequest> => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(
      gh.url,
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`,
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.length, before + 1, 'the upstream was reached once');
    return upstream.requests.at(-1) as RecordedRequest;
  };

  before(async () => {
    upstream = await startUpstream('u');
    const deployment = (id: string, extra: ConfigObject = {}): ConfigObject => ({
      id,
      service: 'svc',
      version: 'v1',
      infrastructure: 'infra',
      basePath: `/${id}`,
      ...extra,
    });
    gh = await startGatehouse({
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: [
        deployment('plain'),
        deployment('claims', {
          auth: {
            methods: ['public'],
            claimHeaders: { 'X-User-Email': 'email', 'X-A-Claim-Header-With-Many-Dashes-In-It': 'note' },
          },
        }),
        deployment('keys', {
          auth: { methods: ['apiKeys'], apiKeys: { keys: [{ id: 'k1', hash: hashApiKey(API_KEY) }] } },
        }),
        deployment('custom', {
          headers: {
            keepInbound: ['X-Real-IP', 'x_ssl_client_verify', 'X-Forwarded-Prefix'],
            stripInbound: ['X-Tenant', 'X-Internal-*'],
          },
        }),
      ],
    });
    host = new URL(gh.url).host;
  });

  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('removes look-alikes of the identity headers (underscores, any case) and sets its own', async () => {
    const seen = await forward('/plain/x', [
      'X_Auth_Subject: admin',
      'x_auth_groups: admins',
      'X-Auth_Scopes: *',
      'X_AUTH_METHOD: apiKeys',
      'X_Auth-Key_Id: root-key',
      'X-Auth-Subject: admin',
    ]);
    const names = foldedNames(seen);
    for (const name of ['x-auth-subject', 'x-auth-groups', 'x-auth-scopes', 'x-auth-key-id'])
      assert.ok(!names.has(name), `${name} (in any spelling) must not reach the upstream`);
    const methodLines = seen.rawHeaders.filter(
      (v, i) => i % 2 === 0 && v.toLowerCase().replaceAll('_', '-') === 'x-auth-method',
    );
    assert.deepEqual(methodLines, ['x-auth-method'], "only Gatehouse's own X-Auth-Method");
    assert.equal(seen.headers['x-auth-method'], 'public');
  });

  it('removes look-alikes of the headers the proxy sets itself (X_Forwarded_For, X_Request_Id…)', async () => {
    const seen = await forward('/plain/x', [
      'X_Forwarded_For: 203.0.113.9',
      'X_Forwarded_Proto: https',
      'X_Forwarded_Host: evil.example',
      'X_Request_Id: spoofed',
    ]);
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    for (const raw of ['x_forwarded_for', 'x_forwarded_proto', 'x_forwarded_host', 'x_request_id'])
      assert.equal(seen.headers[raw], undefined, `${raw} must not reach the upstream`);
    assert.equal(
      seen.rawHeaders.filter(
        (v, i) => i % 2 === 0 && v.toLowerCase().replaceAll('_', '-') === 'x-forwarded-for',
      ).length,
      1,
    );
  });

  it('removes look-alikes of a mapped claim header and of the API-key header', async () => {
    const claims = foldedNames(
      await forward('/claims/x', [
        'X_User_Email: admin@example.test',
        'X_A_Claim-Header_With_Many-Dashes_In_It: spoofed',
      ]),
    );
    assert.ok(!claims.has('x-user-email'));
    assert.ok(!claims.has('x-a-claim-header-with-many-dashes-in-it'), 'also for names with many separators');
    const keys = foldedNames(await forward('/keys/x', [`X-API-Key: ${API_KEY}`, 'X_API_Key: another-key']));
    assert.ok(!keys.has('x-api-key'), 'no API key (in any spelling) reaches the upstream');
  });

  const DEFAULT_STRIPPED = [
    'X-Forwarded-User: admin',
    'X_Forwarded_User: admin',
    'X-Forwarded-Email: admin@example.test',
    'X-Forwarded-Groups: admins',
    'X-Auth-Request-User: admin',
    'X-Remote-User: admin',
    'Remote-User: admin',
    'Remote_User: admin',
    'X-WEBAUTH-USER: admin',
    'X-Amzn-Oidc-Identity: admin',
    'X-Goog-Authenticated-User-Email: accounts.google.com:admin@example.test',
    'X-MS-CLIENT-PRINCIPAL-NAME: admin',
    'Cf-Access-Authenticated-User-Email: admin@example.test',
    'X-Forwarded-Client-Cert: By=spiffe://x;URI=spiffe://admin',
    'X-SSL-Client-Cert: -----BEGIN%20CERTIFICATE-----',
    'X-SSL-Client-Verify: SUCCESS',
    'X_SSL_Client_S_DN: CN=admin',
    'X-ARR-ClientCert: MIIB',
    'X-Real-IP: 10.0.0.1',
    'True-Client-IP: 10.0.0.1',
    'X-Client-IP: 10.0.0.1',
    'CF-Connecting-IP: 10.0.0.1',
    'X-Original-URL: /admin',
    'X-Rewrite-URL: /admin',
    'X-Original-URI: /admin',
    'X-HTTP-Method-Override: DELETE',
    'X-HTTP-Method: DELETE',
    'X-Method-Override: DELETE',
    'X_HTTP_Method_Override: DELETE',
    'X-Forwarded-Prefix: /admin',
    'X-Forwarded-Port: 443',
    'X-Forwarded-Ssl: on',
    'X-Forwarded-Scheme: https',
  ];

  it("removes other proxies' identity, certificate, address and override headers by default", async () => {
    const names = foldedNames(
      await forward('/plain/x', [...DEFAULT_STRIPPED, 'X-Custom: kept', 'X_Custom_Underscore: kept']),
    );
    for (const line of DEFAULT_STRIPPED) {
      const name = (line.split(':')[0] as string).toLowerCase().replaceAll('_', '-');
      assert.ok(!names.has(name), `${name} must not reach the upstream`);
    }
    assert.ok(names.has('x-custom'), 'ordinary headers pass');
    assert.ok(names.has('x-custom-underscore'), 'ordinary headers with underscores pass');
  });

  it('keeps what a deployment lists in headers.keepInbound and strips what it lists in stripInbound', async () => {
    const seen = await forward('/custom/x', [
      'X-Real-IP: 10.0.0.1',
      'X-SSL-Client-Verify: SUCCESS',
      'X-SSL-Client-Cert: MIIB',
      'X-Forwarded-Prefix: /api',
      'X-Tenant: other-tenant',
      'X_Tenant: other-tenant',
      'X-Internal-Debug: 1',
      'X-Forwarded-User: admin',
      'X-Auth-Subject: admin',
    ]);
    const names = foldedNames(seen);
    assert.equal(seen.headers['x-real-ip'], '10.0.0.1', 'kept by name');
    assert.equal(seen.headers['x-ssl-client-verify'], 'SUCCESS', 'one member of a prefix family kept');
    assert.equal(seen.headers['x-forwarded-prefix'], '/api');
    for (const name of [
      'x-ssl-client-cert',
      'x-tenant',
      'x-internal-debug',
      'x-forwarded-user',
      'x-auth-subject',
    ])
      assert.ok(!names.has(name), `${name} must not reach the upstream`);
  });

  for (const name of ['X-Auth-Subject', 'x_auth_groups', 'Authorization', 'X-Forwarded-For', 'Host'])
    it(`refuses a configuration that tries to keep ${name}, naming the key path`, async () => {
      await assert.rejects(
        startGatehouse({
          infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
          services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
          deployments: [
            {
              id: 'd',
              service: 'svc',
              version: 'v1',
              infrastructure: 'infra',
              headers: { keepInbound: [name] },
            },
          ],
        }),
        (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, /deployments\[0\]\.headers\.keepInbound\[0\]: .*cannot be kept/);
          return true;
        },
      );
    });
});
