import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, sendRawRequest } from '../helpers/http.js';
import {
  readRequestHead,
  startRawUpstream,
  startUpstream,
  type RawUpstream,
  type TestUpstream,
} from '../helpers/upstream.js';

interface Echo {
  headers: Record<string, string>;
  url: string;
}

/** Two public deployments on one upstream: /strip (defaults) and /fwd (forwardAuthorization). */
function config(upstreamUrl: string, trustProxy?: unknown): ConfigObject {
  return {
    ...(trustProxy === undefined ? {} : { server: { dataPlane: { trustProxy } } }),
    infrastructures: [{ id: 'infra', nodes: [upstreamUrl] }],
    services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
    deployments: [
      { id: 'strip', service: 'svc', version: 'v1', infrastructure: 'infra', basePath: '/strip' },
      {
        id: 'fwd',
        service: 'svc',
        version: 'v1',
        infrastructure: 'infra',
        basePath: '/fwd',
        auth: { methods: ['public'], forwardAuthorization: true },
      },
    ],
  };
}

function hostOf(url: string): string {
  return new URL(url).host;
}

describe('headers: client → upstream', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    upstream = await startUpstream('u');
    gh = await startGatehouse(config(upstream.url));
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('removes hop-by-hop headers and every header named in Connection, keeps end-to-end ones', async () => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(
      gh.url,
      'GET /strip/hop HTTP/1.1\r\n' +
        `Host: ${hostOf(gh.url)}\r\n` +
        'Connection: close, X-Foo\r\n' +
        'Connection: x-bar\r\n' +
        'X-Foo: listed-1\r\n' +
        'X-Bar: listed-2\r\n' +
        'Keep-Alive: timeout=5, max=100\r\n' +
        'TE: trailers\r\n' +
        'Trailer: X-Checksum\r\n' +
        'Upgrade: h2c\r\n' +
        'Proxy-Authorization: Basic cHJveHk6c2VjcmV0\r\n' +
        'Proxy-Connection: keep-alive\r\n' +
        'X-Custom: kept\r\n' +
        'Accept: application/json\r\n' +
        'Cache-Control: no-cache\r\n' +
        'User-Agent: header-test\r\n' +
        '\r\n',
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.length, before + 1);
    const seen = upstream.requests.at(-1)?.headers ?? {};
    for (const name of [
      'x-foo',
      'x-bar',
      'keep-alive',
      'te',
      'trailer',
      'upgrade',
      'proxy-authorization',
      'proxy-connection',
    ])
      assert.equal(seen[name], undefined, `${name} must not reach the upstream`);
    // undici manages the upstream connection itself: no client Connection value survives.
    assert.doesNotMatch(String(seen.connection ?? ''), /x-foo|x-bar|close/i);
    assert.equal(seen['x-custom'], 'kept');
    assert.equal(seen.accept, 'application/json');
    assert.equal(seen['cache-control'], 'no-cache');
    assert.equal(seen['user-agent'], 'header-test');
  });

  it('strips Authorization by default', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/strip/auth', {
      headers: { authorization: 'Bearer secret-token-value', cookie: 'session=abc' },
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    const echo = res.json<Echo>();
    assert.equal(echo.headers.authorization, undefined);
    assert.equal(echo.headers.cookie, 'session=abc', 'other credentials are end-to-end headers');
  });

  it('forwards Authorization when the deployment sets forwardAuthorization', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/fwd/auth', { headers: { authorization: 'Bearer secret-token-value' } });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(res.json<Echo>().headers.authorization, 'Bearer secret-token-value');
  });

  it('removes spoofed X-Auth-* headers, also when named in Connection, and sets X-Auth-Method', async () => {
    const before = upstream.requests.length;
    const res = await sendRawRequest(
      gh.url,
      'GET /strip/identity HTTP/1.1\r\n' +
        `Host: ${hostOf(gh.url)}\r\n` +
        'Connection: close, X-Auth-Subject, x-auth-method, X-Auth-Key-Id\r\n' +
        'X-Auth-Subject: admin\r\n' +
        'x-auth-groups: admins\r\n' +
        'X-AUTH-SCOPES: *\r\n' +
        'X-Auth-Method: apiKeys\r\n' +
        'X-Auth-Method: jwt\r\n' +
        'X-Auth-Key-Id: key-1\r\n' +
        '\r\n',
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.length, before + 1);
    const recorded = upstream.requests.at(-1);
    const seen = recorded?.headers ?? {};
    assert.equal(seen['x-auth-subject'], undefined);
    assert.equal(seen['x-auth-groups'], undefined);
    assert.equal(seen['x-auth-scopes'], undefined);
    assert.equal(seen['x-auth-key-id'], undefined);
    assert.equal(seen['x-auth-method'], 'public');
    const methodLines = (recorded?.rawHeaders ?? []).filter((_, i, all) =>
      i % 2 === 1 ? false : all[i]?.toLowerCase() === 'x-auth-method',
    );
    assert.equal(methodLines.length, 1, 'exactly one X-Auth-Method reaches the upstream');
  });

  it('does not let Connection remove headers Gatehouse sets itself', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, '/strip/own', {
      headers: {
        connection: 'close, x-forwarded-for, x-request-id, forwarded, x-auth-method',
        'x-request-id': 'rid-1',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    const seen = res.json<Echo>().headers;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-request-id'], 'rid-1');
    assert.match(seen.forwarded ?? '', /^for=127\.0\.0\.1;proto=http/);
    assert.equal(seen['x-auth-method'], 'public');
  });
});

describe('headers: upstream → client', () => {
  let raw: RawUpstream;
  let gh: TestGatehouse;

  before(async () => {
    raw = await startRawUpstream((socket) => {
      void (async () => {
        for (;;) {
          await readRequestHead(socket);
          const body = 'ok';
          socket.write(
            'HTTP/1.1 200 OK\r\n' +
              'Content-Type: text/plain\r\n' +
              `Content-Length: ${body.length}\r\n` +
              'Connection: keep-alive, X-Resp-Hop, X-Request-Id\r\n' +
              'X-Resp-Hop: hop-value\r\n' +
              'Keep-Alive: timeout=7, max=3\r\n' +
              'Proxy-Authenticate: Basic realm="upstream-proxy"\r\n' +
              'Proxy-Connection: keep-alive\r\n' +
              'Trailer: X-Checksum\r\n' +
              'Upgrade: h2c\r\n' +
              'X-End-To-End: kept\r\n' +
              'Cache-Control: no-cache\r\n' +
              'Set-Cookie: s=1; HttpOnly\r\n' +
              '\r\n' +
              body,
          );
        }
      })();
    });
    gh = await startGatehouse(config(raw.url));
  });
  after(async () => {
    await gh.stop();
    await raw.close();
  });

  it('removes hop-by-hop response headers and those the upstream named in Connection', async () => {
    const connections = raw.connections.length;
    const res = await send(gh.url, '/strip/response');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ok');
    assert.equal(raw.connections.length, connections + 1, 'the upstream was reached');
    assert.equal(res.headers['x-resp-hop'], undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=7, max=3');
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.equal(res.headers['proxy-connection'], undefined);
    assert.equal(res.headers.trailer, undefined);
    assert.equal(res.headers.upgrade, undefined);
    assert.doesNotMatch(String(res.headers.connection ?? ''), /x-resp-hop/i);
    assert.equal(res.headers['x-end-to-end'], 'kept');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.deepEqual(res.headers['set-cookie'], ['s=1; HttpOnly']);
    assert.equal(res.headers['content-type'], 'text/plain');
  });

  it('keeps its own X-Request-Id on the answer when the upstream names X-Request-Id in Connection', async () => {
    const res = await send(gh.url, '/strip/response', { headers: { 'x-request-id': 'req-conn-listed' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-request-id'], 'req-conn-listed');
  });
});

describe('headers: X-Forwarded-* and Forwarded', () => {
  const CLIENT_FORWARDING = {
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'shop.example.com',
    forwarded: 'for=203.0.113.7;proto=https;host=shop.example.com',
  };
  let upstream: TestUpstream;

  before(async () => {
    upstream = await startUpstream('u');
  });
  after(async () => {
    await upstream.close();
  });

  async function forwardedSeen(trustProxy: unknown, extra: Record<string, string> = CLIENT_FORWARDING) {
    const gh = await startGatehouse(config(upstream.url, trustProxy));
    try {
      const before = upstream.requests.length;
      const res = await send(gh.url, '/strip/xff', { headers: extra });
      assert.equal(res.status, 200);
      assert.equal(upstream.requests.length, before + 1);
      return { seen: res.json<Echo>().headers, host: hostOf(gh.url) };
    } finally {
      await gh.stop();
    }
  }

  function assertChainStartsAtPeer(seen: Record<string, string>, host: string): void {
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], host);
    assert.equal(seen.forwarded, `for=127.0.0.1;proto=http;host="${host}"`);
  }

  function assertAppended(seen: Record<string, string>, host: string): void {
    assert.equal(seen['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['x-forwarded-host'], 'shop.example.com');
    assert.equal(
      seen.forwarded,
      `for=203.0.113.7;proto=https;host=shop.example.com, for=127.0.0.1;proto=http;host="${host}"`,
    );
  }

  it('trustProxy false (default): client values are discarded and the chain starts at the peer', async () => {
    const { seen, host } = await forwardedSeen(undefined);
    assertChainStartsAtPeer(seen, host);
  });

  it('trustProxy false explicitly: the same', async () => {
    const { seen, host } = await forwardedSeen(false);
    assertChainStartsAtPeer(seen, host);
  });

  it('trustProxy true: the client values are extended with the peer', async () => {
    const { seen, host } = await forwardedSeen(true);
    assertAppended(seen, host);
  });

  it('trustProxy true: several X-Forwarded-For lines are joined in order', async () => {
    const gh = await startGatehouse(config(upstream.url, true));
    try {
      const before = upstream.requests.length;
      const res = await sendRawRequest(
        gh.url,
        'GET /strip/xff HTTP/1.1\r\n' +
          `Host: ${hostOf(gh.url)}\r\n` +
          'X-Forwarded-For: 198.51.100.1\r\n' +
          'X-Forwarded-For: 198.51.100.2, 198.51.100.3\r\n' +
          'Connection: close\r\n\r\n',
      );
      assert.equal(res.status, 200);
      assert.equal(upstream.requests.length, before + 1);
      assert.equal(
        res.json<Echo>().headers['x-forwarded-for'],
        '198.51.100.1, 198.51.100.2, 198.51.100.3, 127.0.0.1',
      );
    } finally {
      await gh.stop();
    }
  });

  it('trustProxy true: an X-Forwarded-Proto other than http/https is not believed', async () => {
    const { seen } = await forwardedSeen(true, { 'x-forwarded-proto': 'javascript' });
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  });

  it('trustProxy CIDR list containing 127.0.0.1: appended', async () => {
    const { seen, host } = await forwardedSeen(['10.0.0.0/8', '127.0.0.0/8']);
    assertAppended(seen, host);
  });

  it('trustProxy single address 127.0.0.1: appended', async () => {
    const { seen, host } = await forwardedSeen(['127.0.0.1']);
    assertAppended(seen, host);
  });

  it('trustProxy CIDR list not containing 127.0.0.1: discarded', async () => {
    const { seen, host } = await forwardedSeen(['10.0.0.0/8', '192.168.1.1', '::1']);
    assertChainStartsAtPeer(seen, host);
  });
});
