/**
 * The personal-token index follows deletions made on another replica even when the
 * read of the changed token is cut: replica A reaches Redis through a TCP proxy that
 * drops its connection when A reads the deleted token's document; A then re-reads every
 * token (counted in gatehouse_state_reads_total{state="personal_tokens"}) and refuses
 * the token (401, upstream not reached).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { redisCommandWith, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import {
  assertRefused,
  bearer,
  createPersonalToken,
  login,
  putUsers,
  tokenConfig,
} from '../tokens/support.js';

const READS = 'gatehouse_state_reads_total';

describe('personal tokens: a cut read of a deleted token', () => {
  let redis: TestRedisServer;
  let proxy: TcpProxy;
  let upstream: TestUpstream;
  let a: TestGatehouse;
  let b: TestGatehouse;

  before(async () => {
    redis = await startRedisServer();
    proxy = await startTcpProxy(redis.port);
    upstream = await startUpstream('api');
    const store = (url: string) => ({ store: { type: 'redis', redis: { url, commandTimeoutMs: 1500 } } });
    a = await startGatehouse(tokenConfig(upstream.url, {}, store(proxy.redisUrl)));
    b = await startGatehouse(tokenConfig(upstream.url, {}, store(redis.url)));
    await putUsers({ store: b.gatehouse.store, state: b.gatehouse.state }, [
      { id: 'alice', password: 'alice-password-1' },
    ]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it('re-reads every token and refuses the deleted one', async () => {
    const { jwt } = await login(b.adminUrl, 'alice', 'alice-password-1');
    const token = await createPersonalToken(b.adminUrl, jwt, {
      name: 'ci',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await waitFor(
      async () => (await send(a.url, '/open/x', { headers: bearer(token.token) })).status === 200,
      'A accepts the token',
    );
    const loadsBefore =
      (await readMetric(a.adminUrl, READS, { state: 'personal_tokens', result: 'success' })) ?? 0;
    const cut = proxy.dropWhen(redisCommandWith('HMGET', `d:personal-tokens:${token.id}`));
    const res = await send(b.adminUrl, `/api/v1/tokens/${token.id}`, {
      method: 'DELETE',
      headers: bearer(jwt),
    });
    assert.equal(res.status, 204, res.text);
    await cut;
    await waitFor(
      async () =>
        ((await readMetric(a.adminUrl, READS, { state: 'personal_tokens', result: 'success' })) ?? 0) >
        loadsBefore,
      'A re-read every token',
    );
    await assertRefused(a.url, '/open/x', token.token, upstream, 401, 'invalid_token');
  });
});
