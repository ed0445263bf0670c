/**
 * `Expect: 100-continue` is answered only after routing, authentication and the
 * body-size check (issue #8): a caller who will get 401, 404, 405 or 413 never sees
 * `100 Continue` (and the connection is closed, its body unread); an allowed caller gets
 * the 100 before its body is forwarded. Driven on raw sockets, step by step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { ManualClock } from '../../src/clock.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { parseRawResponse, type RawResponse } from '../helpers/http.js';
import { generateHmacSecret, type TestHmacSecret } from '../helpers/keys.js';
import { signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { completeResponse, RawClient } from './raw-client.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const ISSUER = 'https://issuer.test';
const API = 'https://api.test';
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

describe('Expect: 100-continue', () => {
  const clock = new ManualClock(NOW);
  let hs: TestHmacSecret;
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let host = '';

  const head = (method: string, path: string, length: number, extra = ''): string =>
    `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${length}\r\nExpect: 100-continue\r\n${extra}\r\n`;

  /** Sends a head with Expect and no body; the answer must be final, never a 100 first. */
  const refusedWithout100 = async (request: string, status: number, code: string): Promise<RawResponse> => {
    const seen = witness(upstream);
    const client = await RawClient.open(gh.url);
    try {
      client.write(request);
      const text = await client.waitFor((r) => r.includes('\r\n\r\n'), 'a response head');
      assert.ok(!text.startsWith('HTTP/1.1 100'), `no 100 Continue before the refusal: ${text.slice(0, 80)}`);
      await client.waitForClose();
      const res = parseRawResponse(client.received);
      assertRefused(res, seen, { status, error: code, reached: false });
      assert.equal(res.headers.connection, 'close', 'the connection is closed: the body was never read');
      assert.ok(!client.received.includes('100 Continue'), 'no 100 Continue at all');
      return res;
    } finally {
      client.destroy();
    }
  };

  /** Sends a head with Expect, waits for the 100, then sends the body and reads the answer. */
  const allowedAfter100 = async (request: string, body: string): Promise<RawResponse> => {
    const before = upstream.requests.length;
    const client = await RawClient.open(gh.url);
    try {
      client.write(request);
      const text = await client.waitFor((r) => r.includes('\r\n\r\n'), '100 Continue');
      assert.ok(text.startsWith(CONTINUE), `100 Continue first: ${text.slice(0, 80)}`);
      assert.equal(upstream.requests.length, before, 'nothing was forwarded before the body was sent');
      client.write(body);
      await client.waitFor((r) => completeResponse(r.slice(CONTINUE.length)), 'the final response');
      const res = parseRawResponse(client.received.slice(CONTINUE.length));
      assert.equal(upstream.requests.length, before + 1, 'the upstream was reached once');
      return res;
    } finally {
      client.destroy();
    }
  };

  before(async () => {
    hs = generateHmacSecret('hs-1');
    upstream = await startUpstream('u');
    gh = await startGatehouse(
      {
        providers: [
          { id: 'hs', type: 'hmac', issuer: ISSUER, audiences: [API], secrets: [{ secret: hs.secret }] },
        ],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [
          { id: 'svc', versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: ['hs'] } } }] },
        ],
        deployments: [
          { id: 'secured', service: 'svc', version: 'v1', infrastructure: 'infra', basePath: '/secured' },
          {
            id: 'small',
            service: 'svc',
            version: 'v1',
            infrastructure: 'infra',
            basePath: '/small',
            maxBodyBytes: 10,
            allowedMethods: ['POST'],
            auth: { methods: ['public'] },
          },
        ],
      },
      { clock },
    );
    host = new URL(gh.url).host;
  });

  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('no credentials → 401 without a 100, connection closed, upstream not reached', async () => {
    const res = await refusedWithout100(head('POST', '/secured/x', 5), 401, 'missing_credentials');
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
  });

  it('a bad token → 401 without a 100', async () => {
    await refusedWithout100(
      head('POST', '/secured/x', 5, 'Authorization: Bearer a.b.c\r\n'),
      401,
      'invalid_token',
    );
  });

  it('Content-Length over the limit → 413 without a 100', async () => {
    await refusedWithout100(head('POST', '/small/x', 11), 413, 'body_too_large');
  });

  it('no deployment → 404 without a 100; a method not served → 405 without a 100', async () => {
    await refusedWithout100(head('POST', '/nowhere/x', 5), 404, 'no_deployment');
    const res = await refusedWithout100(head('PUT', '/small/x', 5), 405, 'method_not_allowed');
    assert.equal(res.headers.allow, 'POST');
  });

  it('an allowed request (public) gets 100 Continue, then its body reaches the upstream', async () => {
    const res = await allowedAfter100(head('POST', '/small/x', 5), 'hello');
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json<{ bodyBytes: number }>().bodyBytes, 5);
    assert.equal(upstream.requests.at(-1)?.headers.expect, undefined, 'Expect is not forwarded');
  });

  it('a first-time JWT (admitted asynchronously) gets the 100 only once admitted', async () => {
    const now = Math.floor(clock.now() / 1000);
    const token = await signToken(
      { alg: 'HS256', typ: 'JWT' },
      { iss: ISSUER, aud: API, sub: 'alice', iat: now, exp: now + 600 },
      hs,
    );
    const res = await allowedAfter100(
      head('POST', '/secured/x', 11, `Authorization: Bearer ${token}\r\nConnection: close\r\n`),
      'hello world',
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json<{ bodyBytes: number }>().bodyBytes, 11);
    assert.equal(upstream.requests.at(-1)?.headers['x-auth-subject'], 'alice');
  });
});
