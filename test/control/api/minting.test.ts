/**
 * A credential never mints one broader than itself, through real sockets: a
 * scope-restricted token creating a personal token must list its scopes, each covered by
 * its own, and needs gatehouse:tokens at all; creating a data-plane API key it may give the
 * key only scopes it holds and groups it is in. Unrestricted sessions keep today's rule
 * (anything within the user's scopes). Refusals leave the store unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERSONAL_TOKENS } from '../../../src/tokens/personal-index.js';
import { COLLECTIONS } from '../../../src/control/model.js';
import { SIGNING_SECRET } from '../../tokens/support.js';
import { startAdminTest, type AdminTest } from './support.js';

const PASSWORD = 'root password 42';
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

describe('admin API: no credential mints a broader one', () => {
  let t: AdminTest;
  let jwt = '';

  const count = (collection: string) => t.store.count(collection);
  const createToken = (bearer: string, body: Record<string, unknown>) =>
    t.call('POST', '/api/v1/tokens', { bearer, body: { name: 'minted', expiresAt: inDays(1), ...body } });

  /** 422 validation_failed naming `field`, and no personal token or API key stored. */
  const refusedAsBroader = async (
    res: Promise<{ status: number; body: Record<string, unknown>; text: string }>,
    field: string,
  ) => {
    const tokens = await count(PERSONAL_TOKENS);
    const keys = await count(COLLECTIONS.apiKeys);
    const answer = await res;
    assert.equal(answer.status, 422, answer.text);
    assert.equal(answer.body.error, 'validation_failed');
    assert.ok(
      (answer.body.details as { path: string }[]).some((d) => d.path === field),
      answer.text,
    );
    assert.equal(await count(PERSONAL_TOKENS), tokens, 'no personal token stored');
    assert.equal(await count(COLLECTIONS.apiKeys), keys, 'no API key stored');
  };

  before(async () => {
    t = await startAdminTest({ tokens: { signing: { secret: SIGNING_SECRET } } });
    const must = async (method: string, path: string, body: unknown) => {
      const res = await t.admin(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
    };
    await must('POST', '/api/v1/groups', {
      id: 'admins',
      global: ['admin'],
      scopes: ['results:*', 'gatehouse:*'],
    });
    await must('POST', '/api/v1/groups', { id: 'ops' });
    await must('POST', '/api/v1/users', { id: 'root', password: PASSWORD, groups: ['admins'] });
    await must('POST', '/api/v1/services', { id: 'svc' });
    const login = await t.call('POST', '/api/v1/auth/tokens', {
      body: { grant_type: 'password', username: 'root', password: PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
    jwt = String(login.body.jwt);
  });
  after(() => t.stop());

  it('a restricted token mints personal tokens only within its own scopes', async () => {
    const restricted = await t.token('root', ['admins'], ['gatehouse:tokens', 'results:read']);
    const ok = await createToken(restricted, { scopes: ['results:read'] });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.body.scopes, ['results:read']);
    // The user holds results:* — only the creating credential's scopes refuse these.
    await refusedAsBroader(createToken(restricted, { scopes: ['results:write'] }), 'scopes');
    await refusedAsBroader(createToken(restricted, { scopes: ['results:*'] }), 'scopes');
    await refusedAsBroader(createToken(restricted, { scopes: ['gatehouse:admin'] }), 'scopes');
    // Without scopes the token would act with the user's full rights.
    await refusedAsBroader(createToken(restricted, {}), 'scopes');

    // gatehouse:admin covers the other control scopes, and nothing else.
    const admin = await t.token('root', ['admins'], ['gatehouse:admin']);
    const implied = await createToken(admin, { scopes: ['gatehouse:read', 'gatehouse:tokens'] });
    assert.equal(implied.status, 201, implied.text);
    await refusedAsBroader(createToken(admin, { scopes: ['results:read'] }), 'scopes');

    // What was minted is itself restricted: results:read administers nothing.
    const minted = String(ok.body.token);
    const use = await t.call('GET', '/api/v1/services', { bearer: minted });
    assert.equal(use.status, 403, use.text);
    assert.equal(use.body.error, 'insufficient_scope');
  });

  it('a restricted token without gatehouse:tokens cannot manage tokens at all', async () => {
    const token = await t.token('root', ['admins'], ['results:read', 'gatehouse:deploy']);
    const stored = await count(PERSONAL_TOKENS);
    for (const [method, path, body] of [
      ['GET', '/api/v1/tokens', undefined],
      ['POST', '/api/v1/tokens', { name: 'x', expiresAt: inDays(1), scopes: ['results:read'] }],
      ['DELETE', '/api/v1/tokens/AAAAAAAAAAAAAAAA', undefined],
    ] as const) {
      const res = await t.call(method, path, { bearer: token, ...(body === undefined ? {} : { body }) });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error, 'insufficient_scope');
      assert.match(res.headers.get('www-authenticate') ?? '', /scope="gatehouse:tokens"/);
    }
    assert.equal(await count(PERSONAL_TOKENS), stored);
  });

  it('a login JWT keeps today’s rule: any token within the user’s scopes, or one without scopes', async () => {
    const unscoped = await createToken(jwt, {});
    assert.equal(unscoped.status, 201, unscoped.text);
    const broad = await createToken(jwt, { scopes: ['results:*', 'gatehouse:admin'] });
    assert.equal(broad.status, 201, broad.text);
    const lacking = await createToken(jwt, { scopes: ['cluster:write'] });
    assert.equal(lacking.status, 422, 'the user lacks cluster:write');
  });

  it('a personal token, restricted or not, still cannot manage tokens', async () => {
    const made = await createToken(jwt, { scopes: ['gatehouse:tokens'] });
    assert.equal(made.status, 201, made.text);
    const res = await createToken(String(made.body.token), { scopes: ['gatehouse:tokens'] });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.error, 'forbidden');
  });

  it('a restricted token makes API keys only with its own scopes and groups', async () => {
    const restricted = await t.token('root', ['admins'], ['gatehouse:deploy', 'results:read']);
    const key = (bearer: string, body: unknown) =>
      t.call('POST', '/api/v1/services/svc/api-keys', { bearer, body });
    await refusedAsBroader(key(restricted, { scopes: ['results:write'] }), 'scopes');
    await refusedAsBroader(key(restricted, { groups: ['ops'] }), 'groups');
    const ok = await key(restricted, { scopes: ['results:read'], groups: ['admins'] });
    assert.equal(ok.status, 201, ok.text);
    const unrestricted = await key(jwt, { scopes: ['cluster:write'], groups: ['ops'] });
    assert.equal(unrestricted.status, 201, 'a login session keeps today’s rule');
  });
});
