/**
 * Timeouts that hold against slow clients (issue #8): the header timeout is enforced
 * within a second (not on Node's 30 s sweep), a request body that is not in by the
 * deadline gets 408 request_timeout and its upstream request is aborted (freeing the
 * connection), and slow uploads do not hold upstream connections while their bodies
 * trickle in, so other requests keep being served. Raw sockets, event-driven waits.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { witness } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { parseRawResponse, send, type SimpleResponse } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { completeResponse, RawClient } from './raw-client.js';

describe('slow clients', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let host = '';
  /** Upstream requests whose client (Gatehouse) went away before the body ended. */
  let abortedUploads = 0;
  const clients: RawClient[] = [];

  /** Reads bodies and answers {bodyBytes}; counts uploads aborted mid-body. */
  function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('close', () => {
      if (!req.complete) abortedUploads++;
    });
    req.on('end', () => {
      const body = JSON.stringify({ url: req.url, bodyBytes: bytes });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  }

  const open = async (): Promise<RawClient> => {
    const client = await RawClient.open(gh.url);
    clients.push(client);
    return client;
  };

  /** Starts an upload of `length` bytes and sends only `sent` of them. */
  const slowUpload = async (path: string, length: number, sent: number): Promise<RawClient> => {
    const client = await open();
    client.write(
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: ${length}\r\n\r\n${'x'.repeat(sent)}`,
    );
    return client;
  };

  /** A GET that fails (instead of hanging) when it cannot be served. */
  const getWithin = (path: string, timeoutMs: number): Promise<SimpleResponse> =>
    Promise.race([
      send(gh.url, path),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`GET ${path} was not answered (hung behind slow uploads)`)),
          timeoutMs,
        ),
      ),
    ]);

  before(async () => {
    upstream = await startUpstream('u', upstreamHandler);
    const deployment = (id: string, infrastructure: string, extra: ConfigObject = {}): ConfigObject => ({
      id,
      service: 'svc',
      version: 'v1',
      infrastructure,
      basePath: `/${id}`,
      ...extra,
    });
    gh = await startGatehouse({
      server: { dataPlane: { headersTimeoutMs: 300 } },
      infrastructures: [
        { id: 'one-connection', nodes: [upstream.url], maxConnectionsPerNode: 1 },
        { id: 'two-connections', nodes: [upstream.url], maxConnectionsPerNode: 2 },
      ],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: [
        deployment('stream', 'one-connection', { bodyBufferBytes: 0, requestTimeoutMs: 400 }),
        deployment('buffered-deadline', 'one-connection', { requestTimeoutMs: 400 }),
        deployment('buffered', 'two-connections', { requestTimeoutMs: 60_000 }),
        deployment('limited', 'two-connections', { maxBodyBytes: 100 }),
      ],
    });
    host = new URL(gh.url).host;
  });

  after(async () => {
    for (const client of clients) client.destroy();
    await gh.stop();
    await upstream.close();
  });

  it('headersTimeoutMs holds: a client that never finishes its head gets 408 and is disconnected', async () => {
    const seen = witness(upstream);
    const client = await open();
    client.write(`GET /buffered/x HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
    // Node's default sweep would answer only ~30 s after the listener started.
    await client.waitForClose(10_000);
    const res = parseRawResponse(client.received);
    assert.equal(res.status, 408, client.received);
    assert.equal(res.json<{ error: string }>().error, 'request_timeout');
    assert.equal(seen.since(), 0, 'the upstream was not reached');
  });

  it('a streamed body not in by requestTimeoutMs → 408, the upstream request is aborted and its connection freed', async () => {
    const before = upstream.requests.length;
    const abortedBefore = abortedUploads;
    const timeoutsBefore =
      (await readMetric(gh.adminUrl, 'gatehouse_error_responses_total', { code: 'request_timeout' })) ?? 0;
    const client = await slowUpload('/stream/upload', 1000, 10);
    await waitFor(
      () => upstream.requests.length === before + 1,
      'the upload to reach the upstream (streamed)',
    );
    await client.waitFor(completeResponse, 'the 408');
    const res = parseRawResponse(client.received);
    assert.equal(res.status, 408, res.body);
    assert.equal(res.json<{ error: string }>().error, 'request_timeout');
    assert.equal(res.headers.connection, 'close');
    await client.waitForClose();
    await waitFor(() => abortedUploads === abortedBefore + 1, 'the upstream to see its request aborted');
    // The infrastructure has one connection per node: it was given back.
    const get = await getWithin('/stream/after', 10_000);
    assert.equal(get.status, 200, get.text);
    assert.equal(upstream.requests.length, before + 2);
    const timeouts = await readMetric(gh.adminUrl, 'gatehouse_error_responses_total', {
      code: 'request_timeout',
    });
    assert.equal(timeouts, timeoutsBefore + 1, 'counted once as request_timeout');
  });

  it('a buffered body not in by requestTimeoutMs → 408 and the upstream is never reached', async () => {
    const before = upstream.requests.length;
    const client = await slowUpload('/buffered-deadline/upload', 1000, 10);
    await client.waitFor(completeResponse, 'the 408');
    const res = parseRawResponse(client.received);
    assert.equal(res.status, 408, res.body);
    assert.equal(res.json<{ error: string }>().error, 'request_timeout');
    await client.waitForClose();
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  });

  it('slow uploads hold no upstream connection: other requests are served meanwhile', async () => {
    const before = upstream.requests.length;
    const inFlightBefore = gh.gatehouse.dataPlane.inFlight;
    // Three times the node's two connections, each upload stalled after one byte.
    const uploads = await Promise.all(
      Array.from({ length: 6 }, () => slowUpload('/buffered/upload', 1000, 1)),
    );
    await waitFor(() => gh.gatehouse.dataPlane.inFlight >= inFlightBefore + 6, 'the uploads to be in flight');
    const get = await getWithin('/buffered/get', 10_000);
    assert.equal(get.status, 200, get.text);
    assert.equal(get.json<{ url: string }>().url, '/buffered/get');
    assert.ok(
      uploads.every((u) => u.received === ''),
      'the GET was answered while every upload was still waiting for its body',
    );
    assert.equal(upstream.requests.length, before + 1, 'no stalled upload reached the upstream');
    // An upload that completes is forwarded whole.
    const first = uploads[0] as RawClient;
    first.write('y'.repeat(999));
    await first.waitFor(completeResponse, 'the completed upload to be answered');
    const res = parseRawResponse(first.received);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json<{ bodyBytes: number }>().bodyBytes, 1000);
    assert.equal(upstream.requests.length, before + 2);
    for (const upload of uploads) upload.destroy();
  });

  it('a chunked body over the limit while buffering → 413 and the upstream is never reached', async () => {
    const before = upstream.requests.length;
    const client = await open();
    client.write(
      `POST /limited/upload HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `c8\r\n${'z'.repeat(200)}\r\n`,
    );
    await client.waitFor(completeResponse, 'the 413');
    const res = parseRawResponse(client.received);
    assert.equal(res.status, 413, res.body);
    assert.equal(res.json<{ error: string }>().error, 'body_too_large');
    assert.equal(res.headers.connection, 'close');
    assert.equal(upstream.requests.length, before, 'the upstream was not reached');
  });
});
