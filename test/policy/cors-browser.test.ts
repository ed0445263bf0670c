/**
 * CORS in a real browser (issue #12): headless Chromium loads a page from one origin
 * (`http://app.localhost:<port>`, which Chromium resolves to loopback) and `fetch`es a
 * deployment on Gatehouse's origin with a bearer key: the preflight, the 200 JSON, and
 * a 401's JSON and challenge are all readable. A page from an origin the policy does
 * not list cannot read anything.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS } from './fixtures.js';

interface FetchResult {
  status?: number;
  body?: Record<string, unknown>;
  challenge?: string | null;
  failed?: string;
}

describe('CORS in Chromium', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let site: Server;
  let sitePort: number;
  let browser: Browser;
  let page: Page;

  before(async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>app</title><p>app</p>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;
    upstream = await startUpstream('api');
    gh = await startGatehouse(
      apiKeyConfig([upstream.url], {
        cors: { allowedOrigins: [`http://*.localhost:${sitePort}`], allowedHeaders: ['Authorization'] },
      }),
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
    await upstream?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const fetchFromPage = (url: string, key?: string): Promise<FetchResult> =>
    page.evaluate(
      async ([target, bearer]) => {
        try {
          const res = await fetch(target, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
          return {
            status: res.status,
            body: (await res.json()) as Record<string, unknown>,
            challenge: res.headers.get('www-authenticate'),
          };
        } catch (err) {
          return { failed: String(err) };
        }
      },
      [url, key] as const,
    );

  it('reads an authenticated 200 and a 401 JSON cross-origin', async () => {
    await page.goto(`http://app.localhost:${sitePort}/`);
    const ok = await fetchFromPage(`${gh.url}${BASE_PATH}/orders`, KEYS.alice);
    assert.equal(ok.failed, undefined, ok.failed);
    assert.equal(ok.status, 200);
    assert.equal(ok.body?.upstream, 'api');
    assert.equal((ok.body?.headers as Record<string, string>)['x-auth-subject'], 'apikey:alice');
    assert.ok(
      upstream.requests.every((r) => r.method !== 'OPTIONS'),
      'the preflight was answered by Gatehouse, not forwarded',
    );
    const refused = await fetchFromPage(`${gh.url}${BASE_PATH}/orders`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body?.error, 'missing_credentials');
    assert.match(String(refused.challenge), /^Bearer realm="gatehouse"/);
  });

  it('gives a page from an origin not listed nothing to read', async () => {
    await page.goto(`http://127.0.0.1:${sitePort}/`);
    const res = await fetchFromPage(`${gh.url}${BASE_PATH}/orders`);
    assert.match(String(res.failed), /TypeError/);
    const reached = upstream.requests.length;
    const withKey = await fetchFromPage(`${gh.url}${BASE_PATH}/orders`, KEYS.alice);
    assert.match(String(withKey.failed), /TypeError/);
    assert.equal(upstream.requests.length, reached, 'the refused preflight stopped the request');
  });
});
