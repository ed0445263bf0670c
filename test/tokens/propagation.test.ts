/**
 * Revocation on every replica: two real `gatehouse start` processes on one real
 * redis-server. Deleting a personal token, revoking a refresh token (strict deployment),
 * disabling a user through the admin API, or revoking a JWT by jti through the admin API
 * on one side is refused at once there and, through the store's notifications, on the
 * other process. The delay until the other process refuses is measured by polling it
 * every ~5 ms, and printed (p50/p99) for the release notes.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { createStoreSchema } from '../../src/config/schema-store.js';
import { createAdminKey } from '../../src/control/repository/admin-keys.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from '../helpers/async.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/process.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  bearer,
  createPersonalToken,
  login,
  postJson,
  putUsers,
  tokenConfig,
  type StateHolder,
} from './support.js';

const ROUNDS = 30;
const DISABLE_ROUNDS = 10;
const JTI_ROUNDS = 20;
const inMonth = (): string => new Date(Date.now() + 30 * 86_400_000).toISOString();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * (sorted.length - 1)))] as number;
}

function summary(name: string, delays: readonly number[]): string {
  const sorted = [...delays].sort((x, y) => x - y);
  const f = (ms: number): string => `${ms.toFixed(1)} ms`;
  return `${name}: n=${sorted.length} p50=${f(percentile(sorted, 0.5))} p99=${f(percentile(sorted, 0.99))} max=${f(sorted.at(-1) ?? 0)}`;
}

describe('revocation propagates across processes sharing a Redis', () => {
  let redis: TestRedisServer;
  let upstream: TestUpstream;
  let a: GatehouseProcess;
  let b: GatehouseProcess;
  let store: Store;
  let holder: StateHolder;
  let adminKey = '';
  const results: Record<string, number[]> = {
    'personal token deleted': [],
    'refresh token revoked': [],
    'user disabled': [],
    'JWT revoked by jti': [],
  };
  const disabledUsers = Array.from({ length: DISABLE_ROUNDS }, (_, i) => `bob${i}`);

  const asAdmin = (
    gh: GatehouseProcess,
    method: string,
    path: string,
    body: unknown,
  ): Promise<SimpleResponse> =>
    send(gh.adminUrl, path, {
      method,
      headers: { ...bearer(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const status = async (gh: GatehouseProcess, path: string, token: string): Promise<number> =>
    (await send(gh.url, path, { headers: bearer(token) })).status;

  /** Polls `gh` every ~5 ms until it refuses `token`; the delay from `start`. */
  const untilRefused = async (
    gh: GatehouseProcess,
    path: string,
    token: string,
    start: bigint,
  ): Promise<number> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      if ((await status(gh, path, token)) === 401) return Number(process.hrtime.bigint() - start) / 1e6;
      if (Date.now() > deadline) throw new Error('the other replica never refused the token');
      await sleep(5);
    }
  };

  before(async () => {
    redis = await startRedisServer();
    upstream = await startUpstream('api');
    const config = tokenConfig(
      upstream.url,
      { bruteForce: { perUser: { maxAttempts: 1000 }, perAddress: { maxAttempts: 100_000 } } },
      { store: { type: 'redis', redis: { url: redis.url } }, logging: { level: 'info', accessLog: false } },
    );
    [a, b] = await Promise.all([startGatehouseProcess(config), startGatehouseProcess(config)]);
    store = await createStore(
      createStoreSchema({ baseDir: '.', env: {} }).parse({ type: 'redis', redis: { url: redis.url } }),
      {
        clock: systemClock,
      },
    );
    holder = { store, state: { refresh: () => Promise.resolve() } };
    adminKey = (await createAdminKey(store, systemClock, 'tests')).key;
    await putUsers(holder, [
      { id: 'alice', password: 'alice-pw' },
      { id: 'bob', password: 'bob-pw' },
      ...disabledUsers.map((id) => ({ id, password: 'bob-pw' })),
    ]);
    for (const gh of [a, b])
      await waitFor(
        async () =>
          (
            await postJson(gh.adminUrl, '/api/v1/auth/tokens', {
              grant_type: 'password',
              username: 'bob',
              password: 'bob-pw',
            })
          ).status === 200,
        'both processes know the users',
      );
  });
  after(async () => {
    for (const [name, delays] of Object.entries(results))
      if (delays.length > 0) console.log(summary(name, delays));
    const all = Object.values(results).flat();
    if (all.length > 0) console.log(summary('all revocations', all));
    await store?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
    await redis?.stop();
  });

  it('a deleted personal token is refused at once locally and soon on the other process', async () => {
    const { jwt } = await login(a.adminUrl, 'alice', 'alice-pw');
    for (let i = 0; i < ROUNDS; i++) {
      const token = await createPersonalToken(a.adminUrl, jwt, {
        name: `t${i}`,
        expiresAt: inMonth(),
      });
      await waitFor(
        async () => (await status(b, '/open/x', token.token)) === 200,
        'B accepts the new token',
        5000,
        5,
      );
      const start = process.hrtime.bigint();
      const deleted = await send(a.adminUrl, `/api/v1/tokens/${token.id}`, {
        method: 'DELETE',
        headers: bearer(jwt),
      });
      assert.equal(deleted.status, 204);
      assert.equal(
        await status(a, '/open/x', token.token),
        401,
        'refused at once by the replica that deleted it',
      );
      results['personal token deleted']?.push(await untilRefused(b, '/open/x', token.token, start));
    }
  });

  it('a revoked refresh token stops its JWTs on strict deployments of both processes', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const chain = await login(a.adminUrl, 'alice', 'alice-pw', {
        issueRefreshToken: true,
        clientId: `app-${i}`,
      });
      assert.equal(await status(b, '/strict/x', chain.jwt), 200);
      const start = process.hrtime.bigint();
      const revoked = await postJson(a.adminUrl, '/api/v1/auth/revoke', {
        refresh_token: chain.refresh_token,
      });
      assert.deepEqual(revoked.json(), { revoked: true });
      assert.equal(
        await status(a, '/strict/x', chain.jwt),
        401,
        'refused at once by the replica that revoked it',
      );
      results['refresh token revoked']?.push(await untilRefused(b, '/strict/x', chain.jwt, start));
      assert.equal(await status(b, '/open/x', chain.jwt), 200, 'non-strict deployments let it expire');
    }
  });

  it('a user disabled through the admin API is refused by both processes', async () => {
    // One user per round: a token issued before a disable never works again, re-enabled or not.
    const tokens: string[] = [];
    for (const id of disabledUsers) {
      const { jwt } = await login(a.adminUrl, id, 'bob-pw');
      tokens.push((await createPersonalToken(a.adminUrl, jwt, { name: id, expiresAt: inMonth() })).token);
    }
    for (const [i, id] of disabledUsers.entries()) {
      const token = tokens[i] as string;
      await waitFor(async () => (await status(b, '/open/x', token)) === 200, `${id} enabled on B`, 5000, 5);
      const start = process.hrtime.bigint();
      const disabled = await asAdmin(a, 'PUT', `/api/v1/users/${id}`, { disabled: true });
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal(await status(a, '/open/x', token), 401, 'refused at once by the replica that disabled');
      results['user disabled']?.push(await untilRefused(b, '/open/x', token, start));
    }
  });

  it('a JWT revoked by jti through the admin API is refused by both processes', async () => {
    // JWTs from a refresh token: a new jti each round without a password check each.
    const chain = await login(a.adminUrl, 'alice', 'alice-pw', { issueRefreshToken: true, clientId: 'jti' });
    for (let i = 0; i < JTI_ROUNDS; i++) {
      const refreshed = await postJson(a.adminUrl, '/api/v1/auth/tokens', {
        grant_type: 'refresh_token',
        refresh_token: chain.refresh_token,
      });
      const { jwt } = refreshed.json<{ jwt: string }>();
      assert.equal(await status(b, '/open/x', jwt), 200);
      const start = process.hrtime.bigint();
      const revoked = await asAdmin(a, 'POST', '/api/v1/jwt-revocations', { token: jwt });
      assert.equal(revoked.status, 201, revoked.text);
      assert.equal(await status(a, '/open/x', jwt), 401, 'refused at once by the replica that revoked it');
      results['JWT revoked by jti']?.push(await untilRefused(b, '/open/x', jwt, start));
      assert.equal(
        (await send(b.adminUrl, '/api/v1/services', { headers: bearer(jwt) })).status,
        401,
        'and on the admin API',
      );
    }
  });
});
