/**
 * One Host per request (issue #8, RFC 9112 §3.2): two Host header lines, or an
 * absolute-form target (whose host may disagree with Host), get 400 bad_request and the
 * upstream is not reached. Sent on raw sockets: Node's client would not send these.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { sendRawRequest, type RawResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

describe('Host header', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let host = '';

  before(async () => {
    upstream = await startUpstream('u');
    gh = await startGatehouse({
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: [
        { id: 'any', service: 'svc', version: 'v1', infrastructure: 'infra', basePath: '/svc' },
        {
          id: 'admin',
          service: 'svc',
          version: 'v1',
          infrastructure: 'infra',
          basePath: '/svc',
          host: 'admin.example',
        },
      ],
    });
    host = new URL(gh.url).host;
  });

  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  const refused = async (head: string): Promise<RawResponse> => {
    const seen = witness(upstream);
    const connection = /^Connection:/im.test(head) ? '' : 'Connection: close\r\n';
    const res = await sendRawRequest(gh.url, `${head}${connection}\r\n`);
    assertRefused(res, seen, { status: 400, error: 'bad_request', reached: false });
    return res;
  };

  it('two different Host headers → 400 bad_request', async () => {
    const res = await refused(`GET /svc/x HTTP/1.1\r\nHost: ${host}\r\nHost: admin.example\r\n`);
    assert.match(res.json<{ message: string }>().message, /more than one Host/);
  });

  it('two identical Host headers → 400 too (any case)', async () => {
    await refused(`GET /svc/x HTTP/1.1\r\nHost: ${host}\r\nhost: ${host}\r\n`);
    await refused(`GET /svc/x HTTP/1.1\r\nHOST: admin.example\r\nHost: admin.example\r\n`);
  });

  it('a WebSocket upgrade with two Host headers → 400 on the socket', async () => {
    await refused(
      `GET /svc/ws HTTP/1.1\r\nHost: ${host}\r\nHost: admin.example\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
    );
  });

  it('an absolute-form target whose host disagrees with Host → 400', async () => {
    await refused(`GET http://admin.example/svc/x HTTP/1.1\r\nHost: ${host}\r\n`);
  });

  it('an absolute-form target is 400 even when it agrees with Host', async () => {
    await refused(`GET http://${host}/svc/x HTTP/1.1\r\nHost: ${host}\r\n`);
  });

  it('one Host routes as usual (host routes first)', async () => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(
      gh.url,
      'GET /svc/x HTTP/1.1\r\nHost: admin.example\r\nConnection: close\r\n\r\n',
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.length, before + 1);
  });
});
