/**
 * /manage_tokens in a real headless Chromium: sign in with the password grant, create a
 * personal token (shown once), see it listed, use it on the data plane, delete it. The
 * page must run under its strict CSP (no violations, no external requests).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import {
  assertReached,
  assertRefused,
  createPersonalToken,
  login,
  putUsers,
  tokenConfig,
} from './support.js';

const CHROMIUM = '/usr/bin/chromium';

describe(
  '/manage_tokens in Chromium',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` },
  () => {
    let upstream: TestUpstream;
    let gh: TestGatehouse;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const requested: string[] = [];

    before(async () => {
      upstream = await startUpstream('api');
      gh = await startGatehouse(tokenConfig(upstream.url));
      await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
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
      page = await browser.newPage();
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

    it('serves a self-contained page under a strict CSP', async () => {
      const res = await send(gh.adminUrl, '/manage_tokens');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.doesNotMatch(res.text, /<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    });

    it('signs in, creates a token shown once, lists it, deletes it', async () => {
      await page.goto(`${gh.adminUrl}/manage_tokens`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'wrong');
      await page.click('#login-button');
      await page.waitForSelector('#status:not(:empty)');
      assert.match((await page.textContent('#status')) ?? '', /Invalid username or password/);

      await page.fill('#password', 'alice-pw');
      await page.click('#login-button');
      await page.waitForSelector('#manage:not(.hidden)');
      assert.equal(await page.textContent('#who'), 'Signed in as alice');
      assert.equal(await page.textContent('#count'), '0');

      await page.fill('#name', 'from the page');
      await page.fill('#days', '7');
      await page.click('#create');
      await page.waitForSelector('#tokens tr');
      const token = (await page.textContent('#new-token')) ?? '';
      assert.match(token, /^ghp_[A-Za-z0-9_-]{43}$/);
      assert.equal(await page.textContent('#count'), '1');
      assert.equal(await page.textContent('#tokens tr td:first-child'), 'from the page');
      await assertReached(gh.url, '/open/x', token, upstream, 'alice');

      await page.click('#tokens tr .delete');
      await page.waitForSelector('#tokens tr', { state: 'detached' });
      assert.equal(await page.textContent('#count'), '0');
      await assertRefused(gh.url, '/open/x', token, upstream, 401, 'invalid_token');

      assert.deepEqual(
        problems.filter((p) => !/status of 401/.test(p)),
        [],
        'no CSP violation or script error',
      );
      assert.ok(
        requested.every((url) => url.startsWith(gh.adminUrl)),
        `only same-origin requests: ${requested.join(' ')}`,
      );
    });

    it('a pasted personal token cannot manage tokens; an invalid one is refused', async () => {
      const jwt = (await login(gh.adminUrl, 'alice', 'alice-pw')).jwt;
      const personal = await createPersonalToken(gh.adminUrl, jwt, {
        name: 'p',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
      for (const [token, message] of [
        [personal.token, /cannot manage personal tokens/],
        [`ghp_${'A'.repeat(43)}`, /not valid/],
      ] as const) {
        await page.goto(`${gh.adminUrl}/manage_tokens`);
        await page.fill('#token-input', token);
        await page.click('#token-form button');
        await page.waitForSelector('#status:not(:empty)');
        assert.match((await page.textContent('#status')) ?? '', message);
        assert.equal(await page.isVisible('#manage'), false);
      }
      // The login JWT pasted as a token works like signing in.
      await page.goto(`${gh.adminUrl}/manage_tokens`);
      await page.fill('#token-input', jwt);
      await page.click('#token-form button');
      await page.waitForSelector('#manage:not(.hidden)');
      assert.equal(await page.textContent('#count'), '1');
    });
  },
);
