import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import {
  publicDeployment,
  startGatehouse,
  type ConfigObject,
  type TestGatehouse,
} from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { refusedPort, startRawUpstream, startUpstream, type TestUpstream } from '../helpers/upstream.js';

interface Echo {
  method: string;
  bodyBytes: number;
  body: string;
}

/**
 * Nodes [bad, good]: the smooth round-robin of a fresh pool picks the first node
 * first, so the first request of a fresh Gatehouse always meets the bad node.
 */
function twoNodes(
  bad: string,
  good: string,
  overrides: { infra?: ConfigObject; deployment?: ConfigObject } = {},
) {
  return publicDeployment([bad, good], {
    infrastructure: {
      passiveHealthCheck: { consecutiveFailures: 100, ejectMs: 600_000 },
      ...overrides.infra,
    },
    deployment: { basePath: '/api', ...overrides.deployment },
  });
}

async function withGatehouse(
  config: ConfigObject,
  test: (gh: TestGatehouse) => Promise<void>,
): Promise<void> {
  const gh = await startGatehouse(config);
  try {
    await test(gh);
  } finally {
    await gh.stop();
  }
}

async function retries(gh: TestGatehouse): Promise<number> {
  return (await readMetric(gh.adminUrl, 'gatehouse_upstream_retries_total', { deployment: 'dep' })) ?? 0;
}

describe('retries after a connection failure', () => {
  let good: TestUpstream;
  let bad: string;
  let bad2: string;

  before(async () => {
    good = await startUpstream('good', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const json = JSON.stringify({
          method: req.method,
          bodyBytes: body.length,
          body: body.toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(req.method === 'HEAD' ? undefined : json);
      });
    });
    bad = `http://127.0.0.1:${await refusedPort()}`;
    bad2 = `http://127.0.0.1:${await refusedPort()}`;
  });
  after(async () => {
    await good.close();
  });

  for (const method of ['GET', 'HEAD', 'OPTIONS', 'DELETE']) {
    it(`${method} without a body is retried once on the other node and succeeds`, async () => {
      await withGatehouse(twoNodes(bad, good.url), async (gh) => {
        const before = good.requests.length;
        const res = await send(gh.url, '/api/item', { method });
        assert.equal(res.status, 200);
        assert.equal(good.requests.length, before + 1);
        assert.equal(good.requests.at(-1)?.method, method);
        if (method !== 'HEAD') assert.equal(res.json<Echo>().method, method);
        assert.equal(await retries(gh), 1);
        await waitFor(
          () => gh.log.lines.some((l) => l.msg === 'request' && l.retried === true),
          'access log',
        );
      });
    });
  }

  for (const [method, body] of [
    ['POST', '{"order":"a fresh order","amount":1}'],
    ['POST', undefined],
    ['PATCH', 'x'],
  ] as const) {
    it(`${method} ${body === undefined ? 'without' : 'with'} a body whose connection was refused goes to the other node`, async () => {
      await withGatehouse(twoNodes(bad, good.url), async (gh) => {
        const before = good.requests.length;
        const res = await send(gh.url, '/api/orders', { method, ...(body === undefined ? {} : { body }) });
        assert.equal(res.status, 200, res.text);
        assert.equal(good.requests.length, before + 1, 'exactly one upstream request');
        const echo = res.json<Echo>();
        assert.equal(echo.method, method);
        assert.equal(echo.body, body ?? '', 'the whole body reached the live node');
        assert.equal(await retries(gh), 1);
      });
    });
  }

  it('a POST that never reached its node is retried even with retryIdempotent: false', async () => {
    await withGatehouse(twoNodes(bad, good.url, { deployment: { retryIdempotent: false } }), async (gh) => {
      const before = good.requests.length;
      const payload = 'p'.repeat(50_000);
      const res = await send(gh.url, '/api/orders', {
        method: 'POST',
        headers: { 'transfer-encoding': 'chunked' },
        body: payload,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(good.requests.length, before + 1);
      assert.equal(res.json<Echo>().body, payload);
      assert.equal(await retries(gh), 1);
    });
  });

  it('a POST whose TLS handshake failed (nothing sent) goes to the other node', async () => {
    // An https node that answers the ClientHello with plain text: the handshake fails.
    const notTls = await startRawUpstream((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
    });
    try {
      await withGatehouse(twoNodes(`https://127.0.0.1:${notTls.port}`, good.url), async (gh) => {
        const before = good.requests.length;
        const res = await send(gh.url, '/api/orders', { method: 'POST', body: '{"a":1}' });
        assert.equal(res.status, 200, res.text);
        assert.equal(good.requests.length, before + 1);
        assert.equal(res.json<Echo>().body, '{"a":1}');
        assert.equal(await retries(gh), 1);
      });
    } finally {
      await notTls.close();
    }
  });

  for (const [name, withBody] of [
    ['with a body, cut off after the first body bytes', true],
    ['without a body, closed after the head', false],
  ] as const) {
    it(`a POST ${name} (sent) is answered 502 and not retried`, async () => {
      let received = '';
      const resetter = await startRawUpstream((socket) => {
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
          const head = received.indexOf('\r\n\r\n');
          if (head !== -1 && (!withBody || received.length > head + 4)) socket.resetAndDestroy();
        });
      });
      try {
        await withGatehouse(twoNodes(resetter.url, good.url), async (gh) => {
          const before = good.requests.length;
          const res = await send(gh.url, '/api/orders', {
            method: 'POST',
            ...(withBody
              ? { headers: { 'content-length': 200_000 }, body: Buffer.alloc(200_000, 0x70) }
              : {}),
          }).catch((err: NodeJS.ErrnoException) => err);
          if (res instanceof Error) {
            // The client may see its own upload cut off instead of reading the 502.
            assert.ok(withBody, `only an upload can be cut off (${res.message})`);
            assert.match(String(res.code), /ECONNRESET|EPIPE/);
          } else assertGatehouseError(res, 502, 'bad_gateway');
          assert.match(received, /^POST \/api\/orders HTTP\/1\.1\r\n/, 'the first node received the request');
          assert.equal(good.requests.length, before, 'not retried on the good node');
          assert.equal(await retries(gh), 0);
        });
      } finally {
        await resetter.close();
      }
    });
  }

  for (const [method, framing] of [
    ['PUT', 'content-length'],
    ['PUT', 'chunked'],
    ['DELETE', 'content-length'],
  ] as const) {
    it(`${method} with a ${framing} body is retried when the connect failed before any body byte was read`, async () => {
      await withGatehouse(twoNodes(bad, good.url), async (gh) => {
        const before = good.requests.length;
        const payload = 'payload-'.repeat(1000);
        const res = await send(gh.url, '/api/item/1', {
          method,
          headers:
            framing === 'chunked'
              ? { 'transfer-encoding': 'chunked' }
              : { 'content-length': Buffer.byteLength(payload) },
          body: payload,
        });
        assert.equal(res.status, 200, res.text);
        assert.equal(good.requests.length, before + 1);
        const echo = res.json<Echo>();
        assert.equal(echo.method, method);
        assert.equal(echo.body, payload, 'the body reached the second node complete');
        assert.equal(await retries(gh), 1);
      });
    });
  }

  it('a chunked PUT within maxBodyBytes is retried too (body limit counter untouched)', async () => {
    await withGatehouse(twoNodes(bad, good.url, { deployment: { maxBodyBytes: 100_000 } }), async (gh) => {
      const before = good.requests.length;
      const payload = 'z'.repeat(50_000);
      const res = await send(gh.url, '/api/item/1', {
        method: 'PUT',
        headers: { 'transfer-encoding': 'chunked' },
        body: payload,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(good.requests.length, before + 1);
      assert.equal(res.json<Echo>().bodyBytes, payload.length);
    });
  });

  it('a PUT whose body was partly sent before the connection broke is not retried', async () => {
    let bodyBytesSeen = 0;
    const resetter = await startRawUpstream((socket) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const head = received.indexOf('\r\n\r\n');
        if (head !== -1 && received.length > head + 4) {
          bodyBytesSeen = received.length - head - 4;
          socket.resetAndDestroy();
        }
      });
    });
    try {
      await withGatehouse(twoNodes(resetter.url, good.url), async (gh) => {
        const before = good.requests.length;
        const res = await send(gh.url, '/api/item/1', {
          method: 'PUT',
          headers: { 'content-length': 200_000 },
          body: Buffer.alloc(200_000, 0x70),
        }).catch((err: NodeJS.ErrnoException) => err);
        if (res instanceof Error) {
          // The client may see its own upload cut off instead of reading the 502.
          assert.match(String(res.code), /ECONNRESET|EPIPE/);
        } else assertGatehouseError(res, 502, 'bad_gateway');
        assert.ok(bodyBytesSeen > 0, 'the first node received body bytes');
        assert.equal(good.requests.length, before, 'not retried on the good node');
        assert.equal(await retries(gh), 0);
      });
    } finally {
      await resetter.close();
    }
  });

  it('retries at most once: with both nodes refusing, 502 after one retry', async () => {
    await withGatehouse(twoNodes(bad, bad2), async (gh) => {
      const res = await send(gh.url, '/api/item');
      assertGatehouseError(res, 502, 'bad_gateway');
      assert.equal(await retries(gh), 1);
    });
  });

  it('a GET reset after it was sent is retried, unless retryIdempotent is false', async () => {
    const resetter = await startRawUpstream((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    try {
      await withGatehouse(twoNodes(resetter.url, good.url), async (gh) => {
        const before = good.requests.length;
        const res = await send(gh.url, '/api/item');
        assert.equal(res.status, 200, res.text);
        assert.equal(good.requests.length, before + 1);
        assert.equal(await retries(gh), 1);
      });
      const config = twoNodes(resetter.url, good.url, { deployment: { retryIdempotent: false } });
      await withGatehouse(config, async (gh) => {
        const before = good.requests.length;
        const seen = resetter.connections.length;
        const res = await send(gh.url, '/api/item');
        assertGatehouseError(res, 502, 'bad_gateway');
        assert.equal(resetter.connections.length, seen + 1, 'the first node received the request');
        assert.equal(good.requests.length, before, 'not retried on the good node');
        assert.equal(await retries(gh), 0);
      });
    } finally {
      await resetter.close();
    }
  });

  it('ejects the bad node after consecutiveFailures connection failures; traffic then only reaches the good node', async () => {
    const config = twoNodes(bad, good.url, {
      infra: { passiveHealthCheck: { consecutiveFailures: 2, ejectMs: 600_000 } },
    });
    await withGatehouse(config, async (gh) => {
      const healthy = (node: string): Promise<number | undefined> =>
        readMetric(gh.adminUrl, 'gatehouse_upstream_node_healthy', { infrastructure: 'infra', node });
      assert.equal(await healthy(bad), 1);
      assert.equal(await healthy(good.url), 1);
      // Round-robin alternates, so the bad node meets its second failure within a few requests.
      for (let i = 0; i < 6 && (await healthy(bad)) === 1; i++) {
        const res = await send(gh.url, '/api/warmup');
        assert.equal(res.status, 200, 'every request succeeds thanks to the retry');
      }
      assert.equal(await healthy(bad), 0, 'the bad node is ejected');
      assert.equal(await healthy(good.url), 1);
      assert.equal(
        await readMetric(gh.adminUrl, 'gatehouse_upstream_ejections_total', {
          infrastructure: 'infra',
          node: bad,
        }),
        1,
      );
      assert.equal(await retries(gh), 2, 'one retry per failure');
      const before = good.requests.length;
      for (let i = 0; i < 10; i++) {
        const res = await send(gh.url, '/api/after');
        assert.equal(res.status, 200);
      }
      assert.equal(good.requests.length, before + 10, 'all traffic reaches the good node');
      assert.equal(await retries(gh), 2, 'no more retries: the bad node is not tried');
      await waitFor(
        () =>
          gh.log.lines.some(
            (l) => l.msg === 'upstream node ejected after connection failures' && l.node === bad,
          ),
        'ejection log line',
      );
    });
  });
});
