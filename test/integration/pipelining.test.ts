import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { sendRaw } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { readRequestHead, startRawUpstream, type RawUpstream } from '../helpers/upstream.js';

/**
 * Requests pipelined behind an answer that ends the connection: RFC 9112 9.6 says they
 * are not processed. Node still hands them to the handler, with a response that never
 * gets the socket; forwarded, they ran upstream unseen and stayed in flight for good.
 */
describe('pipelined requests behind a closing answer', () => {
  let gh: TestGatehouse;
  let upstream: RawUpstream;
  /** Request lines that reached the upstream, in order. */
  const seen: string[] = [];

  before(async () => {
    upstream = await startRawUpstream((socket: Socket) => {
      void (async () => {
        for (;;) {
          const head = await readRequestHead(socket);
          if (socket.destroyed) return;
          const line = head.split('\r\n')[0] ?? '';
          seen.push(line);
          if (line.includes('/cut')) {
            // A response head, part of its body, then a reset: Gatehouse cuts the client connection.
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial');
            setTimeout(() => socket.resetAndDestroy(), 100);
            return;
          }
          if (line.includes('/hold')) {
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nheld');
            return;
          }
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        }
      })();
    });
    const config: ConfigObject = {
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: [
        {
          id: 'dep',
          service: 'svc',
          version: 'v1',
          infrastructure: 'infra',
          basePath: '/p',
          allowedMethods: ['GET', 'POST'],
        },
      ],
    };
    gh = await startGatehouse(config);
  });

  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  async function inFlightSettles(): Promise<void> {
    await waitFor(
      async () => (await readMetric(gh.adminUrl, 'gatehouse_requests_in_flight')) === 0,
      'no request in flight',
    );
  }

  it('a request pipelined behind a refusal with Connection: close is not forwarded', async () => {
    seen.length = 0;
    const text = await sendRaw(
      gh.url,
      'PUT /p/refused HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' +
        'POST /p/pipelined HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n',
    );
    assert.match(text, /^HTTP\/1\.1 405 /);
    assert.match(text, /connection: close/i);
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, 'one answer');
    await inFlightSettles();
    assert.deepEqual(seen, [], 'the upstream saw nothing');
  });

  it("a request pipelined behind the client's own Connection: close is not forwarded", async () => {
    seen.length = 0;
    const text = await sendRaw(
      gh.url,
      'GET /p/first HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n' +
        'POST /p/pipelined HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n',
    );
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, 'one answer');
    await inFlightSettles();
    assert.deepEqual(seen, ['GET /p/first HTTP/1.1']);
  });

  it('a pipelined request whose connection is cut before its turn ends, and is no longer in flight', async () => {
    seen.length = 0;
    const text = await sendRaw(
      gh.url,
      'GET /p/cut HTTP/1.1\r\nHost: h\r\n\r\nGET /p/hold HTTP/1.1\r\nHost: h\r\n\r\n',
      5000,
    );
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.ok(text.endsWith('partial'), 'the first answer was cut');
    await inFlightSettles();
  });
});
