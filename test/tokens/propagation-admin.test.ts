/**
 * Revocation through the admin API on every replica (issue #8): two real `gatehouse
 * start` processes on one real redis-server. Disabling a user or revoking a JWT by jti
 * through A's admin API is refused at once by A and, through the store's notifications,
 * by B (data plane and admin API). Delays are measured and printed as in
 * propagation.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/async.js';
import { send } from '../helpers/http.js';
import { report, startRedisPair, type RedisPair } from './redis-pair.js';
import { bearer, createPersonalToken, login, postJson } from './support.js';

const DISABLE_ROUNDS = 10;
const JTI_ROUNDS = 20;
const inMonth = (): string => new Date(Date.now() + 30 * 86_400_000).toISOString();

describe('admin API revocations propagate across processes sharing a Redis', () => {
  let pair: RedisPair;
  const results: Record<string, number[]> = { 'user disabled': [], 'JWT revoked by jti': [] };
  const disabledUsers = Array.from({ length: DISABLE_ROUNDS }, (_, i) => `bob${i}`);

  before(async () => {
    pair = await startRedisPair(
      [{ id: 'alice', password: 'alice-pw' }, ...disabledUsers.map((id) => ({ id, password: 'bob-pw' }))],
      { id: 'bob', password: 'bob-pw' },
    );
  });
  after(async () => {
    report(results);
    await pair?.stop();
  });

  it('a user disabled through the admin API is refused by both processes', async () => {
    // One user per round: a token issued before a disable never works again, re-enabled or not.
    const tokens: string[] = [];
    for (const id of disabledUsers) {
      const { jwt } = await login(pair.a.adminUrl, id, 'bob-pw');
      tokens.push(
        (await createPersonalToken(pair.a.adminUrl, jwt, { name: id, expiresAt: inMonth() })).token,
      );
    }
    for (const [i, id] of disabledUsers.entries()) {
      const token = tokens[i] as string;
      await waitFor(
        async () => (await pair.status(pair.b, '/open/x', token)) === 200,
        `${id} enabled on B`,
        5000,
        5,
      );
      const start = process.hrtime.bigint();
      const disabled = await pair.asAdmin(pair.a, 'PUT', `/api/v1/users/${id}`, { disabled: true });
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal(
        await pair.status(pair.a, '/open/x', token),
        401,
        'refused at once by the replica that disabled',
      );
      results['user disabled']?.push(await pair.untilRefused(pair.b, '/open/x', token, start));
    }
  });

  it('a JWT revoked by jti through the admin API is refused by both processes', async () => {
    // JWTs from a refresh token: a new jti each round without a password check each.
    const chain = await login(pair.a.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      clientId: 'jti',
    });
    for (let i = 0; i < JTI_ROUNDS; i++) {
      const refreshed = await postJson(pair.a.adminUrl, '/api/v1/auth/tokens', {
        grant_type: 'refresh_token',
        refresh_token: chain.refresh_token,
      });
      const { jwt } = refreshed.json<{ jwt: string }>();
      assert.equal(await pair.status(pair.b, '/open/x', jwt), 200);
      const start = process.hrtime.bigint();
      const revoked = await pair.asAdmin(pair.a, 'POST', '/api/v1/jwt-revocations', { token: jwt });
      assert.equal(revoked.status, 201, revoked.text);
      assert.equal(
        await pair.status(pair.a, '/open/x', jwt),
        401,
        'refused at once by the replica that revoked it',
      );
      results['JWT revoked by jti']?.push(await pair.untilRefused(pair.b, '/open/x', jwt, start));
      assert.equal(
        (await send(pair.b.adminUrl, '/api/v1/services', { headers: bearer(jwt) })).status,
        401,
        'and on the admin API',
      );
    }
  });
});
