/**
 * Refresh tokens through real HTTP with an injected clock: rotation, reuse detection
 * revoking the chain, the idempotent retry grace (the issue #8 replay), inactivity timeout, absolute lifetime, the
 * maximum-lifetime cap, one chain per client, revocation (by token and by client id +
 * credentials) and strict vs non-strict deployments.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { metricValue, scrapeMetrics } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  assertReached,
  assertRefused,
  claimsOf,
  login,
  postJson,
  putSettings,
  putUsers,
  refresh,
  tokenConfig,
  type TokenAnswer,
} from './support.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const GRACE_SEC = 10;

describe('refresh tokens', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  const clock = new ManualClock(NOW);
  let clients = 0;

  /** A fresh chain for alice on a new client id. */
  const start = (extra: Record<string, unknown> = {}): Promise<TokenAnswer> =>
    login(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      clientId: `app-${++clients}`,
      ...extra,
    });

  const ok = async (token: string, extra: Record<string, unknown> = {}): Promise<TokenAnswer> => {
    const res = await refresh(gh.adminUrl, token, extra);
    assert.equal(res.status, 200, res.text);
    return res.json<TokenAnswer>();
  };
  const refused = async (token: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await refresh(gh.adminUrl, token, extra);
    assertGatehouseError(res, 401, 'invalid_token');
    assert.ok(!res.text.includes(token));
    return res.json<{ message: string }>().message;
  };
  const auditActions = async (sessionId: string): Promise<string[]> => {
    const page = await gh.gatehouse.store.queryAudit({ targetId: sessionId }, { limit: 100 });
    return page.items.map((r) => r.action).reverse();
  };

  before(async () => {
    upstream = await startUpstream('api');
    gh = await startGatehouse(
      tokenConfig(upstream.url, {
        refreshTokens: { reuseGraceSec: GRACE_SEC },
        bruteForce: { perAddress: { maxAttempts: 1000 } },
      }),
      { clock },
    );
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
  });
  beforeEach(() => clock.set(NOW));
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('password → JWT + refresh → deployment → rotation → old token reused → whole chain revoked', async () => {
    const first = await start();
    const sid = claimsOf(first.jwt).sid as string;
    await assertReached(gh.url, '/strict/x', first.jwt, upstream, 'alice');
    const rotated = await ok(first.refresh_token as string, { issueRefreshToken: true });
    assert.ok(rotated.refresh_token?.startsWith('ghr_'));
    assert.notEqual(rotated.refresh_token, first.refresh_token);
    assert.equal(rotated.client_id, first.client_id);
    assert.equal(claimsOf(rotated.jwt).sid, sid, 'the chain keeps its session');
    await assertReached(gh.url, '/strict/x', rotated.jwt, upstream, 'alice');
    const plain = await ok(rotated.refresh_token as string);
    assert.equal(plain.refresh_token, undefined, 'no rotation unless asked');

    clock.advance((GRACE_SEC + 1) * 1000);
    const message = await refused(first.refresh_token as string, { issueRefreshToken: true });
    assert.match(message, /already used/);
    await refused(rotated.refresh_token as string);
    // Strict deployments refuse the chain's JWTs at once; others let them expire.
    await assertRefused(gh.url, '/strict/x', rotated.jwt, upstream, 401, 'invalid_token');
    await assertReached(gh.url, '/open/x', rotated.jwt, upstream, 'alice');
    assert.deepEqual(await auditActions(sid), [
      'refresh_token.issue',
      'refresh_token.rotate',
      'token.refresh',
      'token.refresh',
      'refresh_token.reuse_detected',
    ]);
  });

  it('a retry within the grace window gets the same successor again, never a new branch', async () => {
    const first = await start();
    const lost = await ok(first.refresh_token as string, { issueRefreshToken: true });
    clock.advance((GRACE_SEC - 2) * 1000);
    const retried = await ok(first.refresh_token as string, { issueRefreshToken: true });
    assert.equal(retried.refresh_token, lost.refresh_token, 'the successor the rotation produced');
    const plain = await ok(first.refresh_token as string);
    assert.equal(plain.refresh_token, lost.refresh_token, 'also to a retry that did not ask to rotate');
    // The successor is stored only sealed under the rotated token: no usable secret at rest.
    const secret = (lost.refresh_token as string).split('.')[1] as string;
    const stored = await Promise.all(
      ['refresh-families', 'refresh-tokens'].map((c) => gh.gatehouse.store.list(c, { limit: 1000 })),
    );
    assert.ok(!JSON.stringify(stored).includes(secret), 'the successor secret is not stored in clear');
    const next = await ok(retried.refresh_token as string, { issueRefreshToken: true });
    await ok(next.refresh_token as string);
    const sid = claimsOf(first.jwt).sid as string;
    assert.ok((await auditActions(sid)).includes('refresh_token.grace_reissue'));
    // The successor has been used: the rotated token is reuse now, and revokes the chain.
    assert.match(await refused(first.refresh_token as string), /already used/);
    await refused(next.refresh_token as string);
  });

  it('the issue #8 replay: a stolen rotated token replayed before the retry gets no chain of its own', async () => {
    const reuseBefore =
      metricValue(await scrapeMetrics(gh.adminUrl), 'gatehouse_refresh_token_reuse_total') ?? 0;
    const client = await start();
    const sid = claimsOf(client.jwt).sid as string;
    // The client rotates T0 (its answer may or may not arrive) ...
    const t1 = await ok(client.refresh_token as string, { issueRefreshToken: true });
    // ... an attacker who stole T0 replays it within the grace window, before the client's retry ...
    clock.advance(2000);
    const stolen = await ok(client.refresh_token as string, { issueRefreshToken: true });
    assert.equal(stolen.refresh_token, t1.refresh_token, 'the successor the client holds, not a new branch');
    // ... and the client's own retry gets that same successor: the client is not logged out.
    const retry = await ok(client.refresh_token as string, { issueRefreshToken: true });
    assert.equal(retry.refresh_token, t1.refresh_token);
    // Whoever uses T1 first rotates it; the other one's use of T1 is then reuse.
    const attacker = await ok(stolen.refresh_token as string, { issueRefreshToken: true });
    await assertReached(gh.url, '/strict/x', attacker.jwt, upstream, 'alice');
    clock.advance((GRACE_SEC + 1) * 1000);
    assert.match(await refused(t1.refresh_token as string, { issueRefreshToken: true }), /already used/);
    // The whole chain is revoked: the attacker's tokens are dead too, loudly.
    await refused(attacker.refresh_token as string);
    await assertRefused(gh.url, '/strict/x', attacker.jwt, upstream, 401, 'invalid_token');
    const actions = await auditActions(sid);
    assert.equal(actions.filter((a) => a === 'refresh_token.rotate').length, 2, 'one rotation per token');
    assert.ok(actions.includes('refresh_token.reuse_detected'), 'a reuse alert');
    const reuseAfter = metricValue(await scrapeMetrics(gh.adminUrl), 'gatehouse_refresh_token_reuse_total');
    assert.equal(reuseAfter, reuseBefore + 1, 'the reuse metric counts it');

    // The other order: the client uses its successor first; the replay is reuse at once.
    const other = await start();
    const successor = await ok(other.refresh_token as string, { issueRefreshToken: true });
    await ok(successor.refresh_token as string, { issueRefreshToken: true });
    assert.match(await refused(other.refresh_token as string, { issueRefreshToken: true }), /already used/);
  });

  it('no grace once the successor has been used, nor after the window', async () => {
    const first = await start();
    const second = await ok(first.refresh_token as string, { issueRefreshToken: true });
    await ok(second.refresh_token as string);
    await refused(first.refresh_token as string);
    await refused(second.refresh_token as string);

    const other = await start();
    const successor = await ok(other.refresh_token as string, { issueRefreshToken: true });
    clock.advance((GRACE_SEC + 1) * 1000);
    await refused(other.refresh_token as string);
    await refused(successor.refresh_token as string);
  });

  it('two concurrent rotations of one token make one successor, answered to both', async () => {
    const first = await start();
    const tokensBefore = await gh.gatehouse.store.count('refresh-tokens');
    const answers = await Promise.all([
      refresh(gh.adminUrl, first.refresh_token as string, { issueRefreshToken: true }),
      refresh(gh.adminUrl, first.refresh_token as string, { issueRefreshToken: true }),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
    );
    const [a, b] = answers.map((r) => r.json<TokenAnswer>().refresh_token as string);
    assert.equal(a, b, 'both callers hold the one successor');
    assert.equal(await gh.gatehouse.store.count('refresh-tokens'), tokensBefore + 1, 'one token was created');
    await ok(a as string, { issueRefreshToken: true });
  });

  it('inactivity timeout: each use extends it, a long pause ends the chain', async () => {
    const chain = await start({ refreshTokenUnusedLife: 3600 });
    clock.advance(3599_000);
    await ok(chain.refresh_token as string);
    clock.advance(3599_000);
    await ok(chain.refresh_token as string);
    clock.advance(3601_000);
    await refused(chain.refresh_token as string);
  });

  it('absolute lifetime: rotation does not extend the chain', async () => {
    const chain = await start({ refreshTokenLifetime: 7200 });
    clock.advance(7000_000);
    const rotated = await ok(chain.refresh_token as string, { issueRefreshToken: true });
    clock.advance(199_000);
    await ok(rotated.refresh_token as string);
    clock.advance(2_000);
    await refused(rotated.refresh_token as string);
  });

  it('maximumRefreshTokenLifetime caps lifetimes, also of chains issued before it was set', async () => {
    const before = await start({ refreshTokenLifetime: 86_400 });
    await putSettings(gh.gatehouse, { maximumRefreshTokenLifetimeSec: 600, implicitLogin: true });
    try {
      const after = await start({ refreshTokenLifetime: 86_400, refreshTokenUnusedLife: 86_400 });
      clock.advance(599_000);
      await ok(before.refresh_token as string);
      await ok(after.refresh_token as string);
      clock.advance(2_000);
      await refused(before.refresh_token as string);
      await refused(after.refresh_token as string);
    } finally {
      await putSettings(gh.gatehouse, { implicitLogin: true });
    }
  });

  it('a refresh token works only for its own client; truncated or foreign tokens are refused', async () => {
    const chain = await start();
    const token = chain.refresh_token as string;
    assert.match(await refused(token, { clientId: 'someone-else' }), /another client/);
    await refused(token, { client_id: 'someone-else' });
    await refused(token.slice(0, -1));
    await refused(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    await refused(token.slice(0, token.indexOf('.')));
    await refused('ghr_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    // None of these attempts harmed the chain.
    await ok(token, { clientId: chain.client_id });
  });

  it('a new password grant for the same client replaces its chain; other clients keep theirs', async () => {
    const a1 = await login(gh.adminUrl, 'alice', 'alice-pw', { issueRefreshToken: true, clientId: 'laptop' });
    const phone = await login(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      clientId: 'phone',
    });
    const a2 = await login(gh.adminUrl, 'alice', 'alice-pw', { issueRefreshToken: true, clientId: 'laptop' });
    await refused(a1.refresh_token as string);
    await assertRefused(gh.url, '/strict/x', a1.jwt, upstream, 401, 'invalid_token');
    await ok(a2.refresh_token as string);
    await ok(phone.refresh_token as string);
  });

  it('revocation by refresh token and by client id with credentials', async () => {
    const chain = await start();
    await assertReached(gh.url, '/strict/x', chain.jwt, upstream, 'alice');
    const revoked = await postJson(gh.adminUrl, '/api/v1/auth/revoke', {
      refresh_token: chain.refresh_token,
    });
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual(revoked.json(), { revoked: true });
    await refused(chain.refresh_token as string);
    await assertRefused(gh.url, '/strict/x', chain.jwt, upstream, 401, 'invalid_token');
    await assertReached(gh.url, '/open/x', chain.jwt, upstream, 'alice');
    const again = await postJson(gh.adminUrl, '/api/v1/auth/revoke', { refresh_token: chain.refresh_token });
    assert.deepEqual(again.json(), { revoked: false });

    const other = await start();
    const wrong = await postJson(gh.adminUrl, '/api/v1/auth/revoke', {
      clientId: other.client_id,
      username: 'alice',
      password: 'nope',
    });
    assertGatehouseError(wrong, 401, 'invalid_token');
    await ok(other.refresh_token as string);
    const byClient = await postJson(gh.adminUrl, '/api/v1/auth/revoke', {
      clientId: other.client_id,
      username: 'alice',
      password: 'alice-pw',
    });
    assert.deepEqual(byClient.json(), { revoked: true });
    await refused(other.refresh_token as string);
    const sid = claimsOf(other.jwt).sid as string;
    assert.ok((await auditActions(sid)).includes('refresh_token.revoke'));
    assertGatehouseError(
      await postJson(gh.adminUrl, '/api/v1/auth/revoke', { token: 'x' }),
      422,
      'validation_failed',
    );
  });

  it('a disabled user can neither refresh nor use the JWTs already issued', async () => {
    await putUsers(gh.gatehouse, [{ id: 'dave', password: 'dave-pw' }]);
    const chain = await login(gh.adminUrl, 'dave', 'dave-pw', { issueRefreshToken: true });
    await assertReached(gh.url, '/open/x', chain.jwt, upstream, 'dave');
    const disabledAt = clock.now();
    await putUsers(gh.gatehouse, [{ id: 'dave', password: 'dave-pw', disabled: true, disabledAt }]);
    await refused(chain.refresh_token as string);
    await assertRefused(gh.url, '/open/x', chain.jwt, upstream, 401, 'invalid_token');
    // Re-enabled: what was issued before the disable stays dead; new logins work.
    clock.advance(1000);
    await putUsers(gh.gatehouse, [{ id: 'dave', password: 'dave-pw', disabledAt }]);
    await refused(chain.refresh_token as string);
    await assertRefused(gh.url, '/open/x', chain.jwt, upstream, 401, 'invalid_token');
    const fresh = await login(gh.adminUrl, 'dave', 'dave-pw', { issueRefreshToken: true });
    await assertReached(gh.url, '/open/x', fresh.jwt, upstream, 'dave');
    await ok(fresh.refresh_token as string);
  });

  it('never writes a refresh token or a password to the audit trail or the log', async () => {
    const chain = await start();
    await ok(chain.refresh_token as string, { issueRefreshToken: true });
    const page = await gh.gatehouse.store.queryAudit({}, { limit: 1000 });
    const text = JSON.stringify(page.items) + gh.log.text();
    assert.ok(!text.includes('ghr_'), 'no refresh token');
    assert.ok(!text.includes('alice-pw'), 'no password');
    assert.ok(!text.includes(chain.jwt), 'no JWT');
  });
});
