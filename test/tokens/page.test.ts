/**
 * /manage_tokens in a real headless Chromium: sign in, create a token with a chosen
 * scope and expiry date and copy it (clipboard), delete it only after a confirmation,
 * the session renewed silently from its HttpOnly cookie and "session expired" once it is
 * revoked, an axe-core scan, and a screenshot kept in test-artifacts/. The page must run
 * under its strict CSP (no violations, no requests to other origins). The session
 * endpoints refuse cross-site requests before touching the store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ManualClock } from '../../src/clock.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { auditCount, ROOT } from '../client/support.js';
import {
  assertReached,
  assertRefused,
  createPersonalToken,
  login,
  postJson,
  putGroups,
  putUsers,
  tokenConfig,
} from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Past a JWT's lifetime and the clock tolerance. */
const JWT_GONE_MS = (300 + 30 + 1) * 1000;

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

describe(
  '/manage_tokens in Chromium',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` },
  () => {
    const clock = new ManualClock(Date.now());
    let upstream: TestUpstream;
    let gh: TestGatehouse;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const problems: string[] = [];
    const requested: string[] = [];

    before(async () => {
      upstream = await startUpstream('api');
      gh = await startGatehouse(tokenConfig(upstream.url), { clock });
      await putGroups(gh.gatehouse, [{ id: 'analysts', scopes: ['results:read', 'cluster:write'] }]);
      await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw', groups: ['analysts'] }]);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
      page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requested.push(request.url()));
    });
    after(async () => {
      await browser?.close();
      await gh.stop();
      await upstream.close();
    });

    /** Console errors other than the expected 401s (no session yet) and the favicon. */
    const unexpectedProblems = (): string[] => problems.filter((p) => !/status of (401|404)/.test(p));

    const sessionCookie = async (): Promise<
      { value: string; httpOnly: boolean; secure: boolean; sameSite: string; path: string } | undefined
    > => (await context.cookies()).find((c) => c.name === 'gatehouse_page_session');

    async function signIn(password = 'alice-pw'): Promise<void> {
      await page.goto(`${gh.adminUrl}/manage_tokens`);
      await page.waitForSelector('#login:not([hidden])');
      await page.fill('#username', 'alice');
      await page.fill('#password', password);
      await page.click('#login-button');
    }

    it('serves a static page, its script and its stylesheet under a CSP without inline code', async () => {
      const res = await send(gh.adminUrl, '/manage_tokens');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "require-trusted-types-for 'script'",
      ])
        assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|nonce-/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.doesNotMatch(res.text, /<script>|<script [^>]*>[^<]|<style|style=|\bon[a-z]+=|https?:\/\//);
      for (const [path, type] of [
        ['/manage_tokens/app.js', /^text\/javascript/],
        ['/manage_tokens/app.css', /^text\/css/],
      ] as const) {
        const assetRes = await send(gh.adminUrl, path);
        assert.equal(assetRes.status, 200);
        assert.match(String(assetRes.headers['content-type']), type);
        assert.equal(assetRes.headers['x-content-type-options'], 'nosniff');
        const again = await send(gh.adminUrl, path, {
          headers: { 'if-none-match': String(assetRes.headers.etag) },
        });
        assert.equal(again.status, 304);
      }
      const slash = await send(gh.adminUrl, '/manage_tokens/');
      assert.equal(slash.status, 301);
      assert.equal(slash.headers.location, '../manage_tokens');
    });

    it('signs in into an HttpOnly cookie session, creates a scoped token with an expiry date, copies it', async () => {
      await signIn('wrong');
      await page.waitForSelector('#error:not(:empty)');
      assert.match((await page.textContent('#error')) ?? '', /Invalid username or password/);
      assert.equal(await sessionCookie(), undefined);

      await page.fill('#password', 'alice-pw');
      await page.click('#login-button');
      await page.waitForSelector('#manage:not([hidden])');
      assert.equal(await page.textContent('#who'), 'Signed in as alice');
      assert.equal(await page.textContent('#error'), '', 'the earlier error is gone');
      assert.equal(await page.isVisible('#insecure'), false, 'http://127.0.0.1 is a secure context');
      const cookie = await sessionCookie();
      assert.ok(cookie, 'a session cookie was set');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.secure, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/manage_tokens');
      assert.match(cookie.value, /^ghr_/);
      assert.equal(await page.evaluate<string>('document.cookie'), '', 'the script cannot read it');
      assert.equal(await page.textContent('#count'), '0');
      assert.deepEqual(
        await page.$$eval('#scope-list input', (boxes) =>
          boxes.map((b) => (b as unknown as { value: string }).value),
        ),
        ['results:read', 'cluster:write'],
      );

      const day = new Date();
      day.setDate(day.getDate() + 7);
      const pad = (n: number): string => String(n).padStart(2, '0');
      const chosen = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
      await page.getByLabel('Name', { exact: true }).fill('from the page');
      await page.getByLabel('Expires on').fill(chosen);
      await page.getByLabel('results:read').check();
      await page.click('#create');
      await page.waitForSelector('#new-token-box:not([hidden])');
      const token = (await page.textContent('#new-token')) ?? '';
      assert.match(token, /^ghp_[A-Za-z0-9_-]{43}$/);
      assert.match((await page.textContent('#notice')) ?? '', /created\. Copy it now/);
      assert.equal(await page.textContent('#error'), '');
      assert.equal(await page.textContent('#count'), '1');
      const row = page.locator('#tokens tr').first();
      assert.equal(await row.locator('td').nth(0).textContent(), 'from the page');
      assert.equal(await row.locator('td').nth(2).textContent(), 'results:read');
      const expires = row.locator('td').nth(4).locator('time');
      const endOfDay = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59).toISOString();
      assert.equal(await expires.getAttribute('datetime'), endOfDay);
      assert.doesNotMatch((await expires.textContent()) ?? '', /T\d\d:|Z$/, 'a readable local date, not ISO');
      assert.equal(await row.locator('td').nth(5).textContent(), 'never');

      await page.click('#copy');
      await page.waitForSelector('#notice:has-text("copied")');
      assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), token);

      await assertReached(gh.url, '/reader/x', token, upstream, 'alice');
      await assertRefused(gh.url, '/writer/x', token, upstream, 403, 'insufficient_scope');

      // A reload resumes the session from the cookie, without the password.
      await page.reload();
      await page.waitForSelector('#manage:not([hidden])');
      assert.equal(await page.textContent('#count'), '1');
      assert.equal(await page.isVisible('#new-token-box'), false, 'the token is not shown again');
      assert.deepEqual(unexpectedProblems(), [], 'no CSP violation or script error');
      assert.ok(
        requested.every((url) => url.startsWith(gh.adminUrl)),
        `only same-origin requests: ${requested.join(' ')}`,
      );
    });

    it('deletes only after a confirmation saying it cannot be undone', async () => {
      const token = (await page.textContent('#tokens tr td:nth-child(2)')) ?? '';
      await page.click('#tokens tr .delete');
      const dialog = page.locator('#confirm');
      await dialog.waitFor({ state: 'visible' });
      assert.match((await dialog.textContent()) ?? '', /Delete the token "from the page".*cannot be undone/s);
      assert.equal(
        await page.evaluate<string | undefined>('document.activeElement?.id'),
        'confirm-cancel',
        'Cancel has focus',
      );
      await page.click('#confirm-cancel');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await page.textContent('#count'), '1', 'cancel keeps it');
      const listed = (await gh.gatehouse.store.list('personal-tokens', { limit: 10 })).items;
      assert.equal(listed.length, 1, 'the store still holds it');

      await page.keyboard.press('Enter'); // focus went back to the Delete button
      await dialog.waitFor({ state: 'visible' });
      await page.click('#confirm-delete');
      await page.waitForSelector('#tokens tr', { state: 'detached' });
      assert.equal(await page.textContent('#count'), '0');
      assert.match((await page.textContent('#notice')) ?? '', /deleted/);
      assert.equal((await gh.gatehouse.store.list('personal-tokens', { limit: 10 })).items.length, 0);
      assert.ok(token.startsWith('ghp_'));
      assert.deepEqual(unexpectedProblems(), []);
    });

    it('renews the session silently when the JWT has expired, and says when the session is gone', async () => {
      const before = (await sessionCookie())?.value;
      const rotations = await auditCount(gh.gatehouse, 'refresh_token.rotate');
      clock.advance(JWT_GONE_MS); // the page's JWT is now refused
      await page.getByLabel('Name', { exact: true }).fill('after renewal');
      await page.click('#create');
      await page.waitForSelector('#new-token-box:not([hidden])');
      assert.equal(await page.textContent('#count'), '1', 'the action went through after a renewal');
      assert.equal(await auditCount(gh.gatehouse, 'refresh_token.rotate'), rotations + 1);
      const after = (await sessionCookie())?.value;
      assert.ok(after && after !== before, 'the cookie was rotated');

      // The session is revoked elsewhere; once the JWT is gone the page says so.
      const revoked = await postJson(gh.adminUrl, '/api/v1/auth/revoke', { refresh_token: after });
      assert.deepEqual(revoked.json(), { revoked: true });
      clock.advance(JWT_GONE_MS);
      await page.click('#tokens tr .delete');
      await page.click('#confirm-delete');
      await page.waitForSelector('#login:not([hidden])');
      assert.equal(await page.textContent('#error'), 'Your session has expired. Sign in again.');
      assert.equal(await page.isVisible('#manage'), false);
      assert.equal(await page.locator('#tokens tr').count(), 0, 'nothing of the old session stays on screen');
      assert.equal(await sessionCookie(), undefined, 'the dead cookie was cleared');
      assert.equal(
        (await gh.gatehouse.store.list('personal-tokens', { limit: 10 })).items.length,
        1,
        'the delete did not happen',
      );
    });

    it('has no accessibility violations (axe-core) and keeps a screenshot', async () => {
      const scan = async (): Promise<AxeViolation[]> => {
        await page.evaluate(AXE_SOURCE);
        return page.evaluate<AxeViolation[]>('axe.run().then((result) => result.violations)');
      };
      const summary = (violations: AxeViolation[]): string =>
        violations
          .map((v) => `${v.id} (${v.impact ?? '?'}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
          .join('\n');

      await page.goto(`${gh.adminUrl}/manage_tokens`);
      await page.waitForSelector('#login:not([hidden])');
      const signedOut = await scan();
      assert.deepEqual(signedOut, [], summary(signedOut));

      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-pw');
      await page.click('#login-button');
      await page.waitForSelector('#manage:not([hidden])');
      await page.getByLabel('Name', { exact: true }).fill('CI pipeline');
      await page.getByLabel('cluster:write').check();
      await page.click('#create');
      await page.waitForSelector('#new-token-box:not([hidden])');
      const signedIn = await scan();
      assert.deepEqual(signedIn, [], summary(signedIn));
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'manage-tokens.png'), fullPage: true });

      await page.click('#tokens tr .delete');
      await page.locator('#confirm').waitFor({ state: 'visible' });
      const dialogOpen = await scan();
      assert.deepEqual(dialogOpen, [], summary(dialogOpen));
      await page.screenshot({ path: join(ARTIFACTS, 'manage-tokens-confirm.png') });
      await page.click('#confirm-cancel');
      assert.ok(existsSync(join(ARTIFACTS, 'manage-tokens.png')));
    });

    it('signing out revokes the session on the server', async () => {
      const cookie = (await sessionCookie())?.value;
      assert.ok(cookie);
      await page.click('#sign-out');
      await page.waitForSelector('#login:not([hidden])');
      assert.equal(await page.textContent('#notice'), 'Signed out.');
      assert.equal(await sessionCookie(), undefined);
      const res = await postJson(gh.adminUrl, '/api/v1/auth/tokens', {
        grant_type: 'refresh_token',
        refresh_token: cookie,
      });
      assertGatehouseError(res, 401, 'invalid_token');
    });

    it('the session endpoints refuse cross-site requests before any password is checked', async () => {
      const issued = await auditCount(gh.gatehouse, 'token.issue');
      const denied = await auditCount(gh.gatehouse, 'token.issue', 'denied');
      const body = { username: 'alice', password: 'alice-pw' };
      for (const headers of [
        {},
        { 'x-gatehouse-csrf': '1', 'sec-fetch-site': 'cross-site' },
        { 'x-gatehouse-csrf': '1', 'sec-fetch-site': 'same-site' },
        { 'x-gatehouse-csrf': '1', origin: 'http://evil.example' },
      ]) {
        const res = await postJson(gh.adminUrl, '/manage_tokens/session', body, headers);
        assertGatehouseError(res, 403, 'forbidden');
        assert.equal(res.headers['set-cookie'], undefined);
      }
      assert.equal(await auditCount(gh.gatehouse, 'token.issue'), issued, 'no grant was made');
      assert.equal(
        await auditCount(gh.gatehouse, 'token.issue', 'denied'),
        denied,
        'no password was checked',
      );

      const noCookie = await postJson(gh.adminUrl, '/manage_tokens/refresh', {}, { 'x-gatehouse-csrf': '1' });
      assertGatehouseError(noCookie, 401, 'missing_credentials');
      const forged = await postJson(
        gh.adminUrl,
        '/manage_tokens/refresh',
        {},
        {
          'x-gatehouse-csrf': '1',
          cookie: `gatehouse_page_session=ghr_${'A'.repeat(22)}.${'B'.repeat(43)}`,
        },
      );
      assertGatehouseError(forged, 401, 'invalid_token');
      assert.match(String(forged.headers['set-cookie']), /gatehouse_page_session=; Max-Age=0/);

      const origin = new URL(gh.adminUrl);
      const sameOrigin = await postJson(gh.adminUrl, '/manage_tokens/session', body, {
        'x-gatehouse-csrf': '1',
        'sec-fetch-site': 'same-origin',
        origin: origin.origin,
      });
      assert.equal(sameOrigin.status, 200, sameOrigin.text);
      assert.deepEqual(Object.keys(sameOrigin.json()).sort(), ['duration', 'jwt', 'sessionExpiresAt']);
      assert.match(String(sameOrigin.headers['set-cookie']), /HttpOnly; Secure; SameSite=Strict/);
      assert.doesNotMatch(String(sameOrigin.headers['set-cookie']), /Path=/i);
    });

    it('a pasted personal token cannot manage tokens; an invalid one is refused', async () => {
      const jwt = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
      const personal = await createPersonalToken(gh.adminUrl, jwt, {
        name: 'p',
        expiresAt: new Date(clock.now() + 86_400_000).toISOString(),
      });
      for (const [token, message] of [
        [personal.token, /cannot manage personal tokens/],
        [`ghp_${'A'.repeat(43)}`, /not valid/],
      ] as const) {
        await page.goto(`${gh.adminUrl}/manage_tokens`);
        await page.waitForSelector('#login:not([hidden])');
        await page.click('summary');
        await page.fill('#token-input', token);
        await page.click('#token-form button');
        await page.waitForSelector('#error:not(:empty)');
        assert.match((await page.textContent('#error')) ?? '', message);
        assert.equal(await page.isVisible('#manage'), false);
      }
      // The login JWT pasted as a token works like signing in.
      await page.goto(`${gh.adminUrl}/manage_tokens`);
      await page.waitForSelector('#login:not([hidden])');
      await page.click('summary');
      await page.fill('#token-input', jwt);
      await page.click('#token-form button');
      await page.waitForSelector('#manage:not([hidden])');
      assert.equal(await page.textContent('#count'), '3');
    });
  },
);
