/**
 * System settings are never silently erased: PATCH (JSON merge patch) changes only what
 * it names, PUT needs every property and refuses a partial body with 422 naming what is
 * missing, both honour If-Match, and every change is audited with before and after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminTest, storeSnapshot, type AdminTest } from './support.js';

interface Settings {
  maximumRefreshTokenLifetimeSec: number | null;
  implicitLogin: boolean;
}

describe('admin API: settings', () => {
  let t: AdminTest;
  const settings = async (): Promise<Settings> => (await t.admin<Settings>('GET', '/api/v1/settings')).body;
  const stored = () => t.gh.gatehouse.state.snapshot.settings;

  before(async () => {
    t = await startAdminTest();
  });
  after(() => t.stop());

  it('PATCH with one property keeps the others', async () => {
    const put = await t.admin('PUT', '/api/v1/settings', {
      maximumRefreshTokenLifetimeSec: 86400,
      implicitLogin: true,
    });
    assert.equal(put.status, 200, put.text);
    const patched = await t.admin<Settings>('PATCH', '/api/v1/settings', { implicitLogin: false });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body, { maximumRefreshTokenLifetimeSec: 86400, implicitLogin: false });
    assert.deepEqual(await settings(), { maximumRefreshTokenLifetimeSec: 86400, implicitLogin: false });
    assert.deepEqual(stored(), { maximumRefreshTokenLifetimeSec: 86400, implicitLogin: false });
    const raised = await t.call<Settings>('PATCH', '/api/v1/settings', {
      bearer: t.adminKey,
      body: { maximumRefreshTokenLifetimeSec: 172800 },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(raised.status, 200, raised.text);
    assert.deepEqual(raised.body, { maximumRefreshTokenLifetimeSec: 172800, implicitLogin: false });
  });

  it('PATCH null removes the cap (RFC 7396); implicitLogin cannot be removed', async () => {
    const cleared = await t.admin<Settings>('PATCH', '/api/v1/settings', {
      maximumRefreshTokenLifetimeSec: null,
    });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.body.maximumRefreshTokenLifetimeSec, null);
    assert.equal(stored().maximumRefreshTokenLifetimeSec, undefined);
    const before = await storeSnapshot(t.store);
    const bad = await t.admin('PATCH', '/api/v1/settings', { implicitLogin: null });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(
      (bad.body.details as { path: string }[]).map((d) => d.path),
      ['implicitLogin'],
    );
    assert.equal((await storeSnapshot(t.store)).docs, before.docs);
  });

  it('PUT with a partial body is refused with 422 naming what is missing; nothing is erased', async () => {
    await t.admin('PATCH', '/api/v1/settings', { maximumRefreshTokenLifetimeSec: 3600, implicitLogin: true });
    const before = await storeSnapshot(t.store);
    const partial = await t.admin('PUT', '/api/v1/settings', { implicitLogin: false });
    assert.equal(partial.status, 422, partial.text);
    assert.equal(partial.body.error, 'validation_failed');
    const details = partial.body.details as { path: string; message: string }[];
    assert.deepEqual(
      details.map((d) => d.path),
      ['maximumRefreshTokenLifetimeSec'],
    );
    assert.match(details[0]?.message ?? '', /missing/);
    assert.equal((await storeSnapshot(t.store)).docs, before.docs, 'the store did not change');
    assert.deepEqual(await settings(), { maximumRefreshTokenLifetimeSec: 3600, implicitLogin: true });
  });

  it('honours If-Match, and audits before and after', async () => {
    const read = await t.admin('GET', '/api/v1/settings');
    const current = read.headers.get('etag') ?? '';
    assert.match(current, /^"[^"]+"$/);
    const call = (ifMatch: string, body: unknown) =>
      t.call('PATCH', '/api/v1/settings', { bearer: t.adminKey, headers: { 'if-match': ifMatch }, body });
    const ok = await call(current, { implicitLogin: false });
    assert.equal(ok.status, 200, ok.text);
    const before = await storeSnapshot(t.store);
    const stale = await call(current, { implicitLogin: true });
    assert.equal(stale.status, 412, stale.text);
    assert.equal(stale.body.error, 'precondition_failed');
    assert.equal((await storeSnapshot(t.store)).docs, before.docs);
    assert.equal((await settings()).implicitLogin, false);

    const audit = await t.admin<{ items: { details?: Record<string, unknown> }[] }>(
      'GET',
      '/api/v1/audit?action=settings.update&outcome=success&limit=1',
    );
    const details = audit.body.items[0]?.details;
    assert.deepEqual(details?.before, { maximumRefreshTokenLifetimeSec: 3600, implicitLogin: true });
    assert.deepEqual(details?.after, { maximumRefreshTokenLifetimeSec: 3600, implicitLogin: false });
    assert.deepEqual(details?.changed, ['implicitLogin']);
  });
});
