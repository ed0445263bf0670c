/**
 * The SDK's retries against a real HTTP server that misbehaves on purpose: 503 then
 * success, 429 honouring Retry-After, a connection reset, non-idempotent requests not
 * repeated unless told, and the total deadline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ConnectionError,
  GatehouseClient,
  RateLimitError,
  type ClientOptions,
} from '../../src/client/index.js';
import { refusedPort, startUpstream, type TestUpstream } from '../helpers/upstream.js';

describe('SDK retries', () => {
  let server: TestUpstream;
  let dir: string;
  /** Answers, in order, for the next requests; then 200. */
  let script: (number | 'reset')[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-sdk-'));
    server = await startUpstream('flaky', (req, res) => {
      const next = script.shift();
      if (next === 'reset') {
        req.socket.destroy();
        return;
      }
      const status = next ?? 200;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (status === 429) headers['retry-after'] = '1';
      if (status === 503) headers['retry-after'] = '0';
      res.writeHead(status, headers);
      res.end(
        JSON.stringify(
          status === 200
            ? { ok: true, auth: req.headers.authorization }
            : { error: 'x', message: 'busy', requestId: 'r-1' },
        ),
      );
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.requests.length = 0;
    script = [];
  });

  const client = (more: Partial<ClientOptions> = {}): GatehouseClient =>
    new GatehouseClient({
      url: server.url,
      token: 'ghp_static-token-for-a-test-server',
      env: {},
      configFile: join(dir, 'none.yaml'),
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...more,
    });

  it('retries a GET on 503 and 502/504, then answers the success', async () => {
    script = [503, 502, 504];
    const c = client();
    const res = await c.fetch('/x');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, auth: 'Bearer ghp_static-token-for-a-test-server' });
    assert.equal(server.requests.length, 4);
    await c.close();
  });

  it('does not repeat a POST unless told it is safe', async () => {
    script = [503];
    const c = client();
    const res = await c.fetch('/x', { method: 'POST', body: '{}' });
    assert.equal(res.status, 503, 'the answer is given back as is');
    assert.equal(server.requests.length, 1);
    script = [503];
    const retried = await c.fetch('/x', { method: 'POST', body: '{}', retryUnsafe: true });
    assert.equal(retried.status, 200);
    assert.equal(server.requests.length, 3);
    await c.close();
  });

  it('waits as long as Retry-After says on 429', async () => {
    script = [429];
    const c = client();
    const started = Date.now();
    const res = await c.fetch('/x');
    assert.equal(res.status, 200);
    assert.equal(server.requests.length, 2);
    assert.ok(Date.now() - started >= 950, 'waited the second Retry-After asked for');
    await c.close();
  });

  it('gives up with a RateLimitError when Retry-After is beyond the deadline', async () => {
    script = [429, 429];
    const c = client({ retry: { deadlineMs: 500 } });
    const err = await c.json('/x').catch((e: unknown) => e);
    assert.ok(err instanceof RateLimitError, String(err));
    assert.equal(err.retryAfter, 1);
    assert.equal(err.status, 429);
    assert.equal(err.requestId, 'r-1');
    assert.equal(server.requests.length, 1, 'no attempt that the deadline would cut');
    await c.close();
  });

  it('retries after a connection reset', async () => {
    script = ['reset'];
    const c = client();
    const res = await c.fetch('/x');
    assert.equal(res.status, 200);
    assert.equal(server.requests.length, 2);
    await c.close();
  });

  it('stops at the deadline: the last answer, or a ConnectionError naming the server', async () => {
    script = Array<number>(50).fill(503);
    const c = client({ retry: { deadlineMs: 300, baseDelayMs: 50, retries: 50 } });
    const res = await c.fetch('/x');
    assert.equal(res.status, 503);
    assert.ok(
      server.requests.length >= 2 && server.requests.length < 50,
      `${server.requests.length} attempts`,
    );
    await c.close();

    const port = await refusedPort();
    const down = new GatehouseClient({
      url: `http://127.0.0.1:${port}`,
      token: 't',
      env: {},
      configFile: join(dir, 'none.yaml'),
      retry: { deadlineMs: 300, baseDelayMs: 20 },
    });
    const err = await down.fetch('/x').catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.error, 'connection_failed');
    assert.match(err.message, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    assert.ok(
      !err.message.includes('ghp_') && !err.message.includes('token'),
      'no credential in the message',
    );
  });
});
