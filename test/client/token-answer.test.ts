/**
 * The token answer tells a client when its login ends: `refresh_token_expires_in` and
 * `refresh_expires_at` with every refresh token (the chain's absolute end, capped by the
 * maximum lifetime in force), the same end after a rotation, and neither without a
 * refresh token. An injected clock makes the numbers exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { login, putSettings, putUsers, refresh, tokenConfig } from '../tokens/support.js';

const NOW = Date.UTC(2026, 5, 1, 8, 0, 0);

describe('refresh-token expiry in the token answer', () => {
  const clock = new ManualClock(NOW);
  let gh: TestGatehouse;

  before(async () => {
    gh = await startGatehouse(
      tokenConfig('http://127.0.0.1:9', { refreshTokens: { maximumLifetimeSec: 10 * 86_400 } }),
      {
        clock,
      },
    );
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
  });
  after(() => gh.stop());

  it('says when the chain ends, capped, and keeps that end through rotation', async () => {
    const asked = await login(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      refreshTokenLifetime: 86_400,
    });
    const fields = asked as unknown as Record<string, unknown>;
    assert.equal(fields.refresh_token_expires_in, 86_400);
    assert.equal(fields.refresh_expires_at, new Date(NOW + 86_400_000).toISOString());

    const capped = (await login(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
    })) as unknown as Record<string, unknown>;
    assert.equal(capped.refresh_token_expires_in, 10 * 86_400, 'the 30-day default capped at 10 days');

    clock.advance(3_600_000);
    const rotated = await refresh(gh.adminUrl, asked.refresh_token as string, { issueRefreshToken: true });
    assert.equal(rotated.status, 200, rotated.text);
    const body = rotated.json();
    assert.equal(body.refresh_token_expires_in, 86_400 - 3600, 'an hour later, an hour less');
    assert.equal(body.refresh_expires_at, fields.refresh_expires_at, 'rotation does not extend the chain');

    const plain = await refresh(gh.adminUrl, body.refresh_token as string);
    assert.equal(plain.status, 200);
    assert.equal(plain.json().refresh_token_expires_in, undefined, 'no refresh token, no expiry');

    await putSettings(gh.gatehouse, { implicitLogin: true, maximumRefreshTokenLifetimeSec: 7200 });
    const lowered = await refresh(gh.adminUrl, body.refresh_token as string, { issueRefreshToken: true });
    assert.equal(lowered.json().refresh_token_expires_in, 3600, 'a lowered cap shortens an earlier chain');
  });
});
