/**
 * `timeouts.responseMs` and `timeouts.idleMs` as the deadline sweep keeps them (undici's
 * own timers are off): never early, restarted by a request body still arriving, not
 * counted while the client is the slow side, and firing on an upstream that stopped
 * reading an upload.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import {
  readRequestHead,
  startRawUpstream,
  startUpstream,
  type RawUpstream,
  type TestUpstream,
} from '../helpers/upstream.js';

const RESPONSE_MS = 400;
const IDLE_MS = 300;
const MiB = 1024 * 1024;
const DOWNLOAD_BYTES = 8 * MiB;

interface Outcome extends SimpleResponse {
  readonly elapsedMs: number;
}

/** A POST whose chunked body is written by `write`; resolves with the answer (or rejects). */
function post(url: string, write: (req: ReturnType<typeof httpRequest>) => Promise<void>): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
          elapsedMs: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    write(req).catch(reject);
  });
}

describe('upstream timeouts (responseMs, idleMs)', () => {
  let gh: TestGatehouse;
  let silent: RawUpstream;
  let reader: TestUpstream;
  let deaf: RawUpstream;
  let bulk: TestUpstream;
  let processing: RawUpstream;

  before(async () => {
    // Accepts, reads, never answers.
    silent = await startRawUpstream((socket) => socket.resume());
    // Reads the whole body, then answers with its size.
    reader = await startUpstream('reader', (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.end(`read ${bytes}`));
    });
    // Never reads the request (its upload backs up) and never answers.
    deaf = await startRawUpstream((socket) => socket.pause());
    bulk = await startUpstream('bulk', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': DOWNLOAD_BYTES });
      res.end(Buffer.alloc(DOWNLOAD_BYTES, 7));
    });
    // Interim 102 answers, one every half responseMs, for three times responseMs; then 200.
    processing = await startRawUpstream((socket) => {
      void readRequestHead(socket).then(async () => {
        for (let i = 0; i < 6 && !socket.destroyed; i++) {
          socket.write('HTTP/1.1 102 Processing\r\n\r\n');
          await sleep(RESPONSE_MS / 2);
        }
        if (!socket.destroyed)
          socket.end('HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndone');
      });
    });
    const timeouts = { responseMs: RESPONSE_MS, idleMs: IDLE_MS };
    gh = await startGatehouse({
      infrastructures: [
        { id: 'silent', nodes: [silent.url], timeouts },
        { id: 'reader', nodes: [reader.url], timeouts },
        { id: 'deaf', nodes: [deaf.url], timeouts },
        { id: 'bulk', nodes: [bulk.url], timeouts },
        { id: 'processing', nodes: [processing.url], timeouts },
      ],
      services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
      deployments: ['silent', 'reader', 'deaf', 'bulk', 'processing'].map((id) => ({
        id,
        service: 'svc',
        version: 'v1',
        infrastructure: id,
        basePath: `/${id}`,
        requestTimeoutMs: 0,
        // Streamed at once: the upstream request is open while the body arrives.
        bodyBufferBytes: 0,
      })),
    });
  });

  after(async () => {
    await gh.stop();
    await Promise.all([silent, reader, deaf, bulk, processing].map((u) => u.close()));
  });

  it('a silent node → 504 upstream_timeout, never before responseMs and within a sweep or so after it', async () => {
    const connections = silent.connections.length;
    const started = performance.now();
    const res = await send(gh.url, '/silent/x');
    const elapsed = performance.now() - started;
    assertGatehouseError(res, 504, 'upstream_timeout');
    assert.equal(silent.connections.length, connections + 1, 'the node was reached');
    assert.ok(elapsed >= RESPONSE_MS, `not early: ${elapsed.toFixed(0)} ms`);
    // The sweep runs every 250 ms; the bound leaves room for a loaded CI machine.
    assert.ok(elapsed < RESPONSE_MS + 2_000, `not late: ${elapsed.toFixed(0)} ms`);
  });

  it('a request body still arriving restarts responseMs: a slow upload outlasting it is answered', async () => {
    const chunks = 6;
    const res = await post(`${gh.url}/reader/upload`, async (req) => {
      for (let i = 0; i < chunks; i++) {
        req.write('x'.repeat(1000));
        await sleep(RESPONSE_MS / 2);
      }
      req.end();
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, `read ${chunks * 1000}`);
    assert.ok(
      res.elapsedMs > RESPONSE_MS * 2,
      `the upload took longer than responseMs (${res.elapsedMs} ms)`,
    );
  });

  it('interim 1xx answers restart responseMs: a node sending 102 Processing meanwhile is waited for', async () => {
    const started = performance.now();
    const res = await send(gh.url, '/processing/x');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'done');
    assert.ok(performance.now() - started > RESPONSE_MS * 2, 'the answer came after several responseMs');
  });

  it('a node that stops reading an upload and never answers → 504 once the body stops flowing', async () => {
    const connections = deaf.connections.length;
    const res = await post(`${gh.url}/deaf/upload`, async (req) => {
      // Far more than the sockets' buffers take: the upload stalls on backpressure.
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 256 && !req.destroyed; i++) {
        if (!req.write(chunk)) await Promise.race([sleep(3_000), new Promise((r) => req.once('drain', r))]);
      }
    });
    assertGatehouseError(res, 504, 'upstream_timeout');
    assert.equal(deaf.connections.length, connections + 1, 'the node was reached');
  });

  it('idleMs does not count while the client is the slow side: a paused download completes', async () => {
    const outcome = await new Promise<{ status: number; bytes: number; complete: boolean }>(
      (resolve, reject) => {
        httpRequest(`${gh.url}/bulk/file`, (res) => {
          let bytes = 0;
          res.pause();
          // Longer than idleMs several times over, with the upstream's body backed up meanwhile.
          setTimeout(() => {
            res.on('data', (c: Buffer) => (bytes += c.length));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete }));
            res.on('aborted', () => resolve({ status: res.statusCode ?? 0, bytes, complete: false }));
            res.resume();
          }, IDLE_MS * 4);
        })
          .on('error', reject)
          .end();
      },
    );
    assert.equal(outcome.status, 200);
    assert.equal(outcome.complete, true, `the download completed (${outcome.bytes} bytes)`);
    assert.equal(outcome.bytes, DOWNLOAD_BYTES);
  });
});
