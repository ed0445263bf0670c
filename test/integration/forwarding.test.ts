import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { echoHandler, startUpstream, type TestUpstream } from '../helpers/upstream.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Echo {
  upstream: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyBytes: number;
  sha256?: string;
}

describe('forwarding: method, path, query, body and response', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    upstream = await startUpstream('u', (req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      req.on('end', () => {
        const body = JSON.stringify({
          upstream: 'u',
          method: req.method,
          url: req.url,
          headers: req.headers,
          bodyBytes: bytes,
          sha256: hash.digest('hex'),
        });
        res.writeHead(req.method === 'POST' ? 201 : 200, {
          'content-type': 'application/json',
          'x-upstream-header': 'from-upstream',
          'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
          'cache-control': 'private, max-age=5',
        });
        res.end(body);
      });
    });
    gh = await startGatehouse(publicDeployment([upstream.url], { deployment: { basePath: '/api' } }));
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('forwards a GET with its path and query unchanged and relays status, headers and body', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/api/items/42?sort=desc&q=a%20b&q=c', {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    const echo = res.json<Echo>();
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/api/items/42?sort=desc&q=a%20b&q=c');
    assert.equal(echo.headers.accept, 'application/json');
    assert.equal(res.headers['x-upstream-header'], 'from-upstream');
    assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(res.headers['cache-control'], 'private, max-age=5');
  });

  it('forwards a POST body byte for byte (Content-Length) and relays the upstream status', async () => {
    const before = upstream.requests.length;
    const body = randomBytes(200_000);
    const res = await send(gh.url, '/api/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
      body,
    });
    assert.equal(res.status, 201);
    assert.equal(upstream.requests.length, before + 1);
    const echo = res.json<Echo>();
    assert.equal(echo.method, 'POST');
    assert.equal(echo.bodyBytes, body.length);
    assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(echo.headers['content-length'], String(body.length));
    assert.equal(echo.headers['content-type'], 'application/octet-stream');
  });

  it('forwards a chunked POST body byte for byte', async () => {
    const before = upstream.requests.length;
    const body = randomBytes(50_000);
    const res = await send(gh.url, '/api/upload', {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body,
    });
    assert.equal(res.status, 201);
    assert.equal(upstream.requests.length, before + 1);
    const echo = res.json<Echo>();
    assert.equal(echo.bodyBytes, body.length);
    assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'));
  });

  it('forwards other methods (PUT, PATCH, DELETE) with their names', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const before = upstream.requests.length;
      const res = await send(gh.url, '/api/x', { method, body: 'abc', headers: { 'content-length': 3 } });
      assert.equal(res.status, 200, method);
      assert.equal(upstream.requests.length, before + 1);
      assert.equal(res.json<Echo>().method, method);
      assert.equal(res.json<Echo>().bodyBytes, 3);
    }
  });

  it('generates an X-Request-Id when absent and sends the same one upstream and back', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/api/id');
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    const id = res.headers['x-request-id'];
    assert.match(String(id), UUID);
    assert.equal(res.json<Echo>().headers['x-request-id'], id);
  });

  it('reuses a sane inbound X-Request-Id and forwards it', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/api/id', { headers: { 'x-request-id': 'trace-abc.123:x/y=z' } });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(res.headers['x-request-id'], 'trace-abc.123:x/y=z');
    assert.equal(res.json<Echo>().headers['x-request-id'], 'trace-abc.123:x/y=z');
  });

  for (const [label, insane] of [
    ['with spaces', 'id with spaces'],
    ['300 characters long', 'a'.repeat(300)],
    ['with quotes and angle brackets', '<script>"x"</script>'],
  ] as const) {
    it(`replaces an inbound X-Request-Id ${label}`, async () => {
      const before = upstream.requests.length;
      const res = await send(gh.url, '/api/id', { headers: { 'x-request-id': insane } });
      assert.equal(res.status, 200);
      assert.equal(upstream.requests.length, before + 1);
      const id = String(res.headers['x-request-id']);
      assert.match(id, UUID);
      assert.equal(res.json<Echo>().headers['x-request-id'], id);
    });
  }

  it('replaces an X-Request-Id that the upstream sends back with the request id', async () => {
    upstream.setHandler((_req, res) => {
      res.writeHead(200, { 'x-request-id': 'upstream-made-this-up' });
      res.end('ok');
    });
    try {
      const res = await send(gh.url, '/api/id', { headers: { 'x-request-id': 'mine-1' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-request-id'], 'mine-1');
    } finally {
      upstream.setHandler(echoHandler('u'));
    }
  });
});

describe('forwarding: base paths, stripPrefix and preserveHost', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    upstream = await startUpstream('u');
    gh = await startGatehouse({
      infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
      services: [
        { id: 'orders', versions: [{ id: 'v1', auth: { methods: ['public'] } }] },
        { id: 'billing', versions: [{ id: 'v1', auth: { methods: ['public'] } }] },
        { id: 'hosted', versions: [{ id: 'v1', auth: { methods: ['public'] } }] },
      ],
      deployments: [
        // default base path /public/api/v1/orders, path forwarded unchanged
        { id: 'orders', service: 'orders', version: 'v1', infrastructure: 'infra' },
        {
          id: 'billing',
          service: 'billing',
          version: 'v1',
          infrastructure: 'infra',
          basePath: '/billing/v2',
          stripPrefix: true,
        },
        {
          id: 'hosted',
          service: 'hosted',
          version: 'v1',
          infrastructure: 'infra',
          basePath: '/hosted',
          preserveHost: true,
        },
      ],
    });
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('serves a deployment without basePath under /public/api/v1/{serviceId}, path unchanged', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/public/api/v1/orders/list?page=2');
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(res.json<Echo>().url, '/public/api/v1/orders/list?page=2');
  });

  it('matches the base path itself and only on segment boundaries', async () => {
    const before = upstream.requests.length;
    const exact = await send(gh.url, '/public/api/v1/orders');
    assert.equal(exact.status, 200);
    assert.equal(exact.json<Echo>().url, '/public/api/v1/orders');
    assert.equal(upstream.requests.length, before + 1);
    const seen = witness(upstream);
    const sibling = await send(gh.url, '/public/api/v1/ordersX/list');
    assertRefused(sibling, seen, { status: 404, error: 'no_deployment', reached: false });
  });

  it('stripPrefix removes the base path (and leaves "/" for the base path itself)', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/billing/v2/invoices/7?x=1');
    assert.equal(res.status, 200);
    assert.equal(res.json<Echo>().url, '/invoices/7?x=1');
    const root = await send(gh.url, '/billing/v2?y=2');
    assert.equal(root.status, 200);
    assert.equal(root.json<Echo>().url, '/?y=2');
    const slash = await send(gh.url, '/billing/v2/');
    assert.equal(slash.status, 200);
    assert.equal(slash.json<Echo>().url, '/');
    assert.equal(upstream.requests.length, before + 3);
  });

  it('sends the node host:port as Host by default', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/billing/v2/host', { headers: { host: 'api.example.com' } });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(res.json<Echo>().headers.host, `127.0.0.1:${upstream.port}`);
    assert.equal(res.json<Echo>().headers['x-forwarded-host'], 'api.example.com');
  });

  it('preserveHost sends the client Host header upstream', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/hosted/x', { headers: { host: 'api.example.com:8443' } });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(res.json<Echo>().headers.host, 'api.example.com:8443');
    assert.equal(res.json<Echo>().url, '/hosted/x');
  });
});

describe('forwarding: host-based routing', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let c: TestUpstream;
  let w: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    [a, b, c, w] = await Promise.all([
      startUpstream('a'),
      startUpstream('b'),
      startUpstream('c'),
      startUpstream('w'),
    ]);
    const version = [{ id: 'v1', auth: { methods: ['public'] } }];
    gh = await startGatehouse({
      infrastructures: [
        { id: 'ia', nodes: [a.url] },
        { id: 'ib', nodes: [b.url] },
        { id: 'ic', nodes: [c.url] },
        { id: 'iw', nodes: [w.url] },
      ],
      services: [{ id: 'svc', versions: version }],
      deployments: [
        {
          id: 'da',
          service: 'svc',
          version: 'v1',
          infrastructure: 'ia',
          host: 'a.example.com',
          basePath: '/api',
        },
        {
          id: 'db',
          service: 'svc',
          version: 'v1',
          infrastructure: 'ib',
          host: 'b.example.com',
          basePath: '/api',
        },
        { id: 'dc', service: 'svc', version: 'v1', infrastructure: 'ic', basePath: '/api' },
        {
          id: 'dw',
          service: 'svc',
          version: 'v1',
          infrastructure: 'iw',
          host: '*.wild.example',
          basePath: '/api',
        },
      ],
    });
  });
  after(async () => {
    await gh.stop();
    await Promise.all([a.close(), b.close(), c.close(), w.close()]);
  });

  const counts = (): number[] => [a, b, c, w].map((u) => u.requests.length);

  const cases: [string | undefined, string][] = [
    ['a.example.com', 'a'],
    ['b.example.com', 'b'],
    ['A.Example.COM:8080', 'a'],
    ['b.example.com.', 'b'],
    ['other.example.com', 'c'],
    ['x.wild.example', 'w'],
    ['deep.x.wild.example', 'c'],
    ['wild.example', 'c'],
  ];
  for (const [host, expected] of cases) {
    it(`Host ${host ?? '(none)'} reaches upstream ${expected} only`, async () => {
      const before = counts();
      const res = await send(gh.url, '/api/who', host ? { headers: { host } } : {});
      assert.equal(res.status, 200);
      const echo = res.json<Echo>();
      assert.equal(echo.upstream, expected);
      assert.equal(echo.url, '/api/who');
      const delta = counts().map((n, i) => n - (before[i] ?? 0));
      assert.deepEqual(
        delta,
        ['a', 'b', 'c', 'w'].map((name) => (name === expected ? 1 : 0)),
      );
    });
  }

  it('a host route falls back to host-less routes for paths it does not serve', async () => {
    const seen = witness(a, b, c, w);
    const res = await send(gh.url, '/other', { headers: { host: 'a.example.com' } });
    assertRefused(res, seen, { status: 404, error: 'no_deployment', reached: false });
  });
});
