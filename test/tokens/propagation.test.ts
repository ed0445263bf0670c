/**
 * Revocation on every replica: two real `gatehouse start` processes on one real
 * redis-server. Deleting a personal token or revoking a refresh token (strict
 * deployment) on one side is refused at once there and, through the store's
 * notifications, on the other process. The delay until the other process refuses is
 * measured by polling it every ~5 ms, and printed (p50/p99) for the release notes.
 * (Disables and jti revocations through the admin API: propagation-admin.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { send } from '../helpers/http.js';
import { report, startRedisPair, type RedisPair } from './redis-pair.js';
import { bearer, createPersonalToken, login, postJson } from './support.js';

const ROUNDS = 30;
const inMonth = (): string => new Date(Date.now() + 30 * 86_400_000).toISOString();

describe('revocation propagates across processes sharing a Redis', () => {
  let pair: RedisPair;
  const results: Record<string, number[]> = { 'personal token deleted': [], 'refresh token revoked': [] };

  before(async () => {
    pair = await startRedisPair([{ id: 'alice', password: 'alice-pw' }], { id: 'bob', password: 'bob-pw' });
  });
  after(async () => {
    report(results);
    await pair?.stop();
  });

  it('a deleted personal token is refused at once locally and soon on the other process', async () => {
    const { jwt } = await login(pair.a.adminUrl, 'alice', 'alice-pw');
    for (let i = 0; i < ROUNDS; i++) {
      const token = await createPersonalToken(pair.a.adminUrl, jwt, {
        name: `t${i}`,
        expiresAt: inMonth(),
      });
      await waitFor(
        async () => (await pair.status(pair.b, '/open/x', token.token)) === 200,
        'B accepts the new token',
        5000,
        5,
      );
      const start = process.hrtime.bigint();
      const deleted = await send(pair.a.adminUrl, `/api/v1/tokens/${token.id}`, {
        method: 'DELETE',
        headers: bearer(jwt),
      });
      assert.equal(deleted.status, 204);
      assert.equal(
        await pair.status(pair.a, '/open/x', token.token),
        401,
        'refused at once by the replica that deleted it',
      );
      results['personal token deleted']?.push(await pair.untilRefused(pair.b, '/open/x', token.token, start));
    }
  });

  it('a revoked refresh token stops its JWTs on strict deployments of both processes', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const chain = await login(pair.a.adminUrl, 'alice', 'alice-pw', {
        issueRefreshToken: true,
        clientId: `app-${i}`,
      });
      assert.equal(await pair.status(pair.b, '/strict/x', chain.jwt), 200);
      const start = process.hrtime.bigint();
      const revoked = await postJson(pair.a.adminUrl, '/api/v1/auth/revoke', {
        refresh_token: chain.refresh_token,
      });
      assert.deepEqual(revoked.json(), { revoked: true });
      assert.equal(
        await pair.status(pair.a, '/strict/x', chain.jwt),
        401,
        'refused at once by the replica that revoked it',
      );
      results['refresh token revoked']?.push(await pair.untilRefused(pair.b, '/strict/x', chain.jwt, start));
      assert.equal(
        await pair.status(pair.b, '/open/x', chain.jwt),
        200,
        'non-strict deployments let it expire',
      );
    }
  });
});
