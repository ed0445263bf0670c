/**
 * Token lifecycle through the admin API (issue #8), on real Gatehouse instances sharing
 * one SQLite file: setting a user's password revokes that user's refresh tokens (and,
 * by default, personal tokens; strict deployments refuse the chains' JWTs), and a user
 * disabled then re-enabled gets none of the tokens issued before the disable back — on
 * the data plane, the admin API and the token endpoints, on every replica, including
 * one started after the re-enable. Nor does a user deleted and created again under the
 * same id inherit the JWTs of the deleted one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditRecord } from '../../src/store/types.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { assertAdminRefuses, startReplicas, type Replicas } from './replicas.js';
import {
  assertReached,
  assertRefused,
  bearer,
  claimsOf,
  createPersonalToken,
  login,
  refresh,
} from './support.js';

const NOW = Date.UTC(2026, 4, 1, 8, 0, 0);
const inDays = (days: number): string => new Date(NOW + days * 86_400_000).toISOString();

async function createUser(c: Replicas, id: string, password: string): Promise<void> {
  const created = await c.call('POST', '/api/v1/users', { id, password });
  assert.equal(created.status, 201, created.text);
  await c.b.gatehouse.state.refresh();
}

async function putUser(c: Replicas, id: string, body: Record<string, unknown>): Promise<void> {
  const res = await c.call('PUT', `/api/v1/users/${id}`, body);
  assert.equal(res.status, 200, res.text);
  await c.b.gatehouse.state.refresh();
}

/** Audit records with this action and `details.reason`. */
async function audited(c: Replicas, action: string, reason: string): Promise<AuditRecord[]> {
  const page = await c.a.gatehouse.store.queryAudit({ action }, { limit: 1000 });
  return page.items.filter((r) => (r.details as { reason?: unknown } | undefined)?.reason === reason);
}

describe('token lifecycle: password changes', () => {
  let c: Replicas;

  before(async () => {
    c = await startReplicas(NOW);
    await createUser(c, 'pat', 'first-password');
  });
  after(() => c?.stop());

  it('revokes the refresh tokens and personal tokens; strict deployments refuse the chains’ JWTs', async () => {
    const laptop = await login(c.a.adminUrl, 'pat', 'first-password', {
      issueRefreshToken: true,
      clientId: 'laptop',
    });
    const phone = await login(c.a.adminUrl, 'pat', 'first-password', {
      issueRefreshToken: true,
      clientId: 'phone',
    });
    const personal = await createPersonalToken(c.a.adminUrl, laptop.jwt, {
      name: 'ci',
      expiresAt: inDays(30),
    });
    await assertReached(c.b.url, '/strict/x', laptop.jwt, c.upstream, 'pat');
    await assertReached(c.b.url, '/open/x', personal.token, c.upstream, 'pat');

    c.clock.advance(1000);
    await putUser(c, 'pat', { password: 'second-password' });

    // At once, on both replicas, from the user record alone: the chains and the personal token.
    for (const gh of [c.a, c.b]) {
      for (const chain of [laptop, phone])
        assertGatehouseError(await refresh(gh.adminUrl, chain.refresh_token as string), 401, 'invalid_token');
      await assertRefused(gh.url, '/open/x', personal.token, c.upstream, 401, 'invalid_token');
      await assertAdminRefuses(gh, personal.token);
    }
    // The clean-up: both chains revoked (their sessions too) and the token deleted, each audited once.
    await waitFor(
      async () => (await audited(c, 'refresh_token.revoke', 'password_changed')).length === 2,
      'both chains revoked',
    );
    await waitFor(
      async () => (await audited(c, 'personal_token.delete', 'password_changed')).length === 1,
      'the personal token deleted',
    );
    const sessions = (await audited(c, 'refresh_token.revoke', 'password_changed')).map((r) => r.target?.id);
    assert.deepEqual(sessions.sort(), [claimsOf(laptop.jwt).sid, claimsOf(phone.jwt).sid].sort());
    assert.equal(await c.a.gatehouse.store.count('refresh-families'), 0, 'no chain is left in the store');
    assert.equal(await c.a.gatehouse.store.count('personal-tokens'), 0, 'no personal token is left');
    await c.b.gatehouse.state.refresh();
    for (const gh of [c.a, c.b]) {
      await waitFor(
        async () => (await send(gh.url, '/strict/x', { headers: bearer(phone.jwt) })).status === 401,
        'the session revocation reached this replica',
      );
      await assertRefused(gh.url, '/strict/x', laptop.jwt, c.upstream, 401, 'invalid_token');
      await assertRefused(gh.url, '/strict/x', phone.jwt, c.upstream, 401, 'invalid_token');
      // Deployments without strictRevocation let a session's JWT live out its 5 minutes.
      await assertReached(gh.url, '/open/x', laptop.jwt, c.upstream, 'pat');
    }
    const update = await c.a.gatehouse.store.queryAudit({ action: 'user.update' }, { limit: 10 });
    assert.equal((update.items[0]?.details as { passwordChanged?: unknown }).passwordChanged, true);

    // The new password works, with new tokens; the old one does not.
    assertGatehouseError(
      await send(c.a.adminUrl, '/api/v1/auth/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', username: 'pat', password: 'first-password' }),
      }),
      401,
      'invalid_token',
    );
    c.clock.advance(1000);
    const fresh = await login(c.a.adminUrl, 'pat', 'second-password', { issueRefreshToken: true });
    assert.equal((await refresh(c.b.adminUrl, fresh.refresh_token as string)).status, 200);
    const token = await createPersonalToken(c.a.adminUrl, fresh.jwt, { name: 'ci2', expiresAt: inDays(30) });
    // Another replica learns of a new token through the store's notifications (eventually).
    await waitFor(
      async () => (await send(c.b.url, '/open/x', { headers: bearer(token.token) })).status === 200,
      'B learned of the new personal token',
    );
    await assertReached(c.b.url, '/open/x', token.token, c.upstream, 'pat');
  });
});

describe('token lifecycle: tokens.personalTokens.revokeOnPasswordChange: false', () => {
  let c: Replicas;

  before(async () => {
    c = await startReplicas(NOW, { personalTokens: { revokeOnPasswordChange: false } });
    await createUser(c, 'sam', 'first-password');
  });
  after(() => c?.stop());

  it('keeps personal tokens across a password change; refresh tokens still go', async () => {
    const chain = await login(c.a.adminUrl, 'sam', 'first-password', { issueRefreshToken: true });
    const personal = await createPersonalToken(c.a.adminUrl, chain.jwt, {
      name: 'ci',
      expiresAt: inDays(30),
    });
    c.clock.advance(1000);
    await putUser(c, 'sam', { password: 'second-password' });
    assertGatehouseError(await refresh(c.a.adminUrl, chain.refresh_token as string), 401, 'invalid_token');
    await waitFor(
      async () => (await audited(c, 'refresh_token.revoke', 'password_changed')).length === 1,
      'the chain revoked',
    );
    for (const gh of [c.a, c.b]) await assertReached(gh.url, '/open/x', personal.token, c.upstream, 'sam');
    assert.equal(await c.a.gatehouse.store.count('personal-tokens'), 1);
    assert.deepEqual(await audited(c, 'personal_token.delete', 'password_changed'), []);
  });
});

describe('token lifecycle: disable, then re-enable', () => {
  let c: Replicas;

  before(async () => {
    c = await startReplicas(NOW);
    await createUser(c, 'quinn', 'quinn-password');
  });
  after(() => c?.stop());

  it('brings back no token issued before the disable, on any replica, even one started later', async () => {
    const chain = await login(c.a.adminUrl, 'quinn', 'quinn-password', { issueRefreshToken: true });
    const plain = await login(c.a.adminUrl, 'quinn', 'quinn-password');
    const personal = await createPersonalToken(c.a.adminUrl, plain.jwt, {
      name: 'ci',
      expiresAt: inDays(30),
    });
    await waitFor(
      async () => (await send(c.b.url, '/open/x', { headers: bearer(personal.token) })).status === 200,
      'replica b learned of the new personal token',
    );
    for (const token of [chain.jwt, plain.jwt, personal.token])
      await assertReached(c.b.url, '/open/x', token, c.upstream, 'quinn');

    c.clock.advance(1000);
    await putUser(c, 'quinn', { disabled: true });
    for (const gh of [c.a, c.b])
      for (const token of [chain.jwt, plain.jwt, personal.token]) {
        await assertRefused(gh.url, '/open/x', token, c.upstream, 401, 'invalid_token');
        await assertAdminRefuses(gh, token);
      }

    c.clock.advance(1000);
    await putUser(c, 'quinn', { disabled: false });
    const late: TestGatehouse = await c.startAnother();
    for (const gh of [c.a, c.b, late]) {
      for (const token of [chain.jwt, plain.jwt, personal.token]) {
        await assertRefused(gh.url, '/open/x', token, c.upstream, 401, 'invalid_token');
        await assertRefused(gh.url, '/strict/x', token, c.upstream, 401, 'invalid_token');
        await assertAdminRefuses(gh, token);
        assertGatehouseError(
          await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(token) }),
          401,
          'invalid_token',
        );
      }
      assertGatehouseError(await refresh(gh.adminUrl, chain.refresh_token as string), 401, 'invalid_token');
    }

    // Tokens issued after the re-enable work everywhere.
    c.clock.advance(1000);
    const fresh = await login(c.a.adminUrl, 'quinn', 'quinn-password', { issueRefreshToken: true });
    const token = await createPersonalToken(c.a.adminUrl, fresh.jwt, { name: 'ci2', expiresAt: inDays(30) });
    for (const gh of [c.b, late])
      await waitFor(
        async () => (await send(gh.url, '/open/x', { headers: bearer(token.token) })).status === 200,
        'every replica learned of the new personal token',
      );
    for (const gh of [c.a, c.b, late]) {
      await assertReached(gh.url, '/strict/x', fresh.jwt, c.upstream, 'quinn');
      await assertReached(gh.url, '/open/x', token.token, c.upstream, 'quinn');
      assert.equal((await send(gh.adminUrl, '/api/v1/services', { headers: bearer(fresh.jwt) })).status, 200);
    }
    assert.equal((await refresh(late.adminUrl, fresh.refresh_token as string)).status, 200);
  });
});

describe('token lifecycle: deleted, then created again under the same id', () => {
  let c: Replicas;

  before(async () => {
    c = await startReplicas(NOW);
    await createUser(c, 'rey', 'old-rey-password');
  });
  after(() => c?.stop());

  it("the old user's JWTs never work for the new one, on a replica started after both changes too", async () => {
    const old = await login(c.a.adminUrl, 'rey', 'old-rey-password');
    await assertReached(c.a.url, '/open/x', old.jwt, c.upstream, 'rey');

    c.clock.advance(1000);
    assert.equal((await c.call('DELETE', '/api/v1/users/rey')).status, 204);
    await createUser(c, 'rey', 'new-rey-password');
    // This replica never saw the user missing: only its re-creation.
    const late: TestGatehouse = await c.startAnother();
    for (const gh of [c.a, late]) {
      await assertRefused(gh.url, '/open/x', old.jwt, c.upstream, 401, 'invalid_token');
      await assertAdminRefuses(gh, old.jwt);
      assertGatehouseError(
        await send(gh.adminUrl, '/api/v1/users/me', { headers: bearer(old.jwt) }),
        401,
        'invalid_token',
      );
    }

    // The new user's own tokens work everywhere (from the next second: see the disable above).
    c.clock.advance(1000);
    const fresh = await login(c.a.adminUrl, 'rey', 'new-rey-password');
    for (const gh of [c.a, late]) await assertReached(gh.url, '/open/x', fresh.jwt, c.upstream, 'rey');
  });
});
