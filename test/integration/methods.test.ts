/**
 * Allowed methods per deployment (issue #8, PRODUCT.md §2): 405 method_not_allowed with
 * `Allow` for a method the deployment does not serve, decided after routing and before
 * authentication; TRACE and CONNECT refused everywhere by default. Every refusal asserts
 * the status, the JSON code, the Allow header and that the upstream was not reached.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, sendRawRequest, type RawResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

function allowList(value: string | string[] | undefined): string[] {
  assert.equal(typeof value, 'string', 'an Allow header is present');
  return (value as string).split(',').map((m) => m.trim());
}

function assertRawRefusal(res: RawResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  const body = res.json<{ error: string; requestId: string }>();
  assert.equal(body.error, code);
  assert.equal(res.headers['x-request-id'], body.requestId);
}

describe('allowed methods', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let host = '';

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
      providers: [
        {
          id: 'hs',
          type: 'hmac',
          issuer: 'https://issuer.test',
          audiences: ['https://api.test'],
          secrets: [{ secret: 'a-test-secret-that-is-long-enough-0123456789' }],
        },
      ],
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: [
        deployment('open'),
        deployment('read-write', { allowedMethods: ['GET', 'POST'] }),
        deployment('post-only', { allowedMethods: ['POST'] }),
        deployment('webdav', { allowedMethods: ['PROPFIND', 'GET', 'OPTIONS'] }),
        deployment('secured', { auth: { methods: ['jwt'], jwt: { providers: ['hs'] } } }),
      ],
    });
    host = new URL(gh.url).host;
  });

  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  const refused = async (method: string, path: string): Promise<string[]> => {
    const seen = witness(upstream);
    const res = await send(gh.url, path, { method });
    if (method !== 'HEAD')
      assertRefused(res, seen, { status: 405, error: 'method_not_allowed', reached: false });
    else {
      assert.equal(res.status, 405, `${method} ${path}: ${res.text}`);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.text, '', 'a HEAD answer has no body');
      assert.equal(seen.since(), 0, `${method} ${path}: the upstream was not reached`);
    }
    return allowList(res.headers.allow);
  };

  const served = async (method: string, path: string): Promise<void> => {
    const before = upstream.requests.length;
    const res = await send(gh.url, path, { method });
    assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
    assert.equal(upstream.requests.length, before + 1, 'the upstream was reached');
    assert.equal(upstream.requests.at(-1)?.method, method);
  };

  it('TRACE is 405 by default, with an Allow listing what the deployment serves', async () => {
    const allow = await refused('TRACE', '/open/x');
    assert.deepEqual(allow.slice(0, 7), ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
    assert.ok(allow.includes('PROPFIND'), 'other methods Node accepts are served by default');
    assert.ok(!allow.includes('TRACE') && !allow.includes('CONNECT'));
  });

  it('every other method is served by default', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'PURGE'])
      await served(method, '/open/x');
  });

  it('a deployment with allowedMethods serves those (GET implies HEAD) and answers 405 otherwise', async () => {
    await served('GET', '/read-write/x');
    await served('HEAD', '/read-write/x');
    await served('POST', '/read-write/x');
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'])
      assert.deepEqual(await refused(method, '/read-write/x'), ['GET', 'HEAD', 'POST']);
    assert.deepEqual(await refused('GET', '/post-only/x'), ['POST']);
    assert.deepEqual(await refused('HEAD', '/post-only/x'), ['POST']);
    await served('PROPFIND', '/webdav/x');
    assert.deepEqual(await refused('DELETE', '/webdav/x'), ['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);
  });

  it('405 is decided before authentication (no 401 for a method the route never serves)', async () => {
    assert.ok((await refused('TRACE', '/secured/x')).includes('GET'));
    const before = upstream.requests.length;
    const res = await send(gh.url, '/secured/x');
    assert.equal(res.status, 401, 'a served method still needs credentials');
    assert.equal(upstream.requests.length, before);
  });

  it('CONNECT (authority-form) is 405 with the default Allow, and the connection closes', async () => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(gh.url, `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assertRawRefusal(res, 405, 'method_not_allowed');
    const allow = allowList(res.headers.allow);
    assert.ok(allow.includes('GET') && !allow.includes('CONNECT') && !allow.includes('TRACE'));
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  });

  it("CONNECT with a deployment path is 405 with that deployment's Allow", async () => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(gh.url, `CONNECT /read-write/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assertRawRefusal(res, 405, 'method_not_allowed');
    assert.deepEqual(allowList(res.headers.allow), ['GET', 'HEAD', 'POST']);
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  });

  it('a WebSocket upgrade with a method the deployment does not serve is 405 on the socket', async () => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(
      gh.url,
      `GET /post-only/ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    assertRawRefusal(res, 405, 'method_not_allowed');
    assert.deepEqual(allowList(res.headers.allow), ['POST']);
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  });

  const badLists: [string, unknown, RegExp][] = [
    ['TRACE', ['GET', 'TRACE'], /allowedMethods\[1\]: TRACE is never forwarded/],
    ['CONNECT', ['CONNECT'], /allowedMethods\[0\]: CONNECT is never forwarded/],
    ['a lower-case method', ['get'], /allowedMethods\[0\]: must be an upper-case HTTP method/],
    ['an unknown method', ['FETCH'], /allowedMethods\[0\]: must be an upper-case HTTP method/],
    ['an empty list', [], /allowedMethods: list at least one method/],
  ];
  for (const [what, allowedMethods, message] of badLists)
    it(`refuses a configuration whose allowedMethods has ${what}`, async () => {
      await assert.rejects(
        startGatehouse({
          infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
          services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
          deployments: [{ id: 'd', service: 'svc', version: 'v1', infrastructure: 'infra', allowedMethods }],
        }),
        (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, message);
          return true;
        },
      );
    });
});
