/**
 * A WebSocket handshake is a request like any other for the traffic policy: it counts
 * against the deployment's rate limits and the failed-credential throttle, and a
 * refused one gets the same 429 with Retry-After, without reaching the node. Before
 * this, adding `Upgrade: websocket` to a request skipped both, so keys could be guessed
 * without limit through handshakes. Real sockets, a real ws node, a ManualClock.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ManualClock } from '../../src/clock.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { metricValue, scrapeMetrics } from '../helpers/metrics.js';
import { closeClient, closeWsNode, startWsNode, type WsNode } from '../helpers/websocket.js';
import { apiKeyConfig, BASE_PATH, KEYS, withKey, THROTTLED_SERVER } from './fixtures.js';

type Handshake =
  | { readonly upgraded: true; readonly ws: WebSocket }
  | {
      readonly upgraded: false;
      readonly status: number;
      readonly headers: IncomingMessage['headers'];
      readonly body: string;
    };

/** Opens a WebSocket through Gatehouse: the open socket, or the refusal's status, headers and body. */
function handshake(gh: TestGatehouse, headers: Record<string, string>): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gh.url.replace(/^http/, 'ws')}${BASE_PATH}/socket`, { headers });
    ws.once('open', () => resolve({ upgraded: true, ws }));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ upgraded: false, status: res.statusCode ?? 0, headers: res.headers, body }),
      );
    });
    ws.once('error', reject);
  });
}

function refusal(result: Handshake): { status: number; headers: IncomingMessage['headers']; error: unknown } {
  assert.equal(result.upgraded, false, 'the handshake must be refused');
  if (result.upgraded) throw new Error('unreachable');
  return {
    status: result.status,
    headers: result.headers,
    error: (JSON.parse(result.body) as { error: unknown }).error,
  };
}

describe('WebSocket handshakes under the traffic policy', () => {
  let node: WsNode;
  let gh: TestGatehouse;
  const clock = new ManualClock(1_700_000_000_000);
  const from = (ip: string, key: string): Record<string, string> => withKey(key, { 'x-forwarded-for': ip });

  before(async () => {
    node = await startWsNode('ws');
    gh = await startGatehouse(
      apiKeyConfig(
        [node.upstream.url],
        { rateLimits: [{ by: 'apiKey', rate: '1/m', burst: 2 }] },
        {},
        THROTTLED_SERVER,
      ),
      { clock },
    );
  });
  after(async () => {
    await gh?.stop();
    await closeWsNode(node);
  });

  it('counts handshakes against the rate limit: past the burst, 429 with Retry-After, and the node is not reached', async () => {
    for (let i = 0; i < 2; i++) {
      const opened = await handshake(gh, from('198.51.100.1', KEYS.alice));
      assert.equal(opened.upgraded, true, `handshake ${i + 1} is within the burst`);
      if (opened.upgraded) await closeClient(opened.ws);
    }
    assert.equal(node.handshakes.length, 2);
    const refused = refusal(await handshake(gh, from('198.51.100.1', KEYS.alice)));
    assert.equal(refused.status, 429);
    assert.equal(refused.error, 'rate_limited');
    assert.equal(refused.headers['retry-after'], '60');
    assert.equal(refused.headers.ratelimit, '"apiKey";r=0;t=60');
    assert.equal(node.handshakes.length, 2, 'a refused handshake never reaches the node');
    // The same key's plain requests share the limit with its handshakes.
    assertGatehouseError(
      await send(gh.url, `${BASE_PATH}/a`, { headers: withKey(KEYS.alice) }),
      429,
      'rate_limited',
    );
    const metrics = await scrapeMetrics(gh.adminUrl);
    assert.equal(metricValue(metrics, 'gatehouse_rate_limited_total', { deployment: 'dep' }), 2);
  });

  it('counts refused handshakes as failed credentials: the address is then refused, over HTTP too', async () => {
    for (let i = 0; i < 3; i++) {
      const refused = refusal(await handshake(gh, from('203.0.113.9', `gh_guess_${i}_0000000000`)));
      assert.equal(refused.status, 401);
      assert.equal(refused.error, 'invalid_token');
    }
    const blocked = refusal(await handshake(gh, from('203.0.113.9', KEYS.bob)));
    assert.equal(blocked.status, 429, 'a valid key from a throttled address is refused');
    assert.equal(blocked.error, 'rate_limited');
    assert.equal(blocked.headers['retry-after'], '120');
    assert.equal(blocked.headers['www-authenticate'], undefined);
    const plain = await send(gh.url, `${BASE_PATH}/x`, { headers: from('203.0.113.9', KEYS.bob) });
    assertGatehouseError(plain, 429, 'rate_limited');
    const other = await handshake(gh, from('203.0.113.10', KEYS.bob));
    assert.equal(other.upgraded, true, 'another address is not affected');
    if (other.upgraded) await closeClient(other.ws);
    const metrics = await scrapeMetrics(gh.adminUrl);
    assert.equal(metricValue(metrics, 'gatehouse_failed_credential_blocks_total'), 1);
  });
});
