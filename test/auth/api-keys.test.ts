import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/auth/api-key-hash.js';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const DEV_KEY = 'ghk_devKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const PROD_KEY = 'ghk_prodKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const READER_KEY = 'ghk_readerKeyCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC';

function basic(user: string, password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('API key authentication', () => {
  let dev: TestUpstream;
  let prod: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    dev = await startUpstream('dev');
    prod = await startUpstream('prod');
    const keys = (key: string, id: string, extra: Record<string, unknown> = {}) => ({
      methods: ['apiKeys'],
      apiKeys: { keys: [{ id, label: `${id} label`, hash: hashApiKey(key), ...extra }] },
    });
    gh = await startGatehouse({
      infrastructures: [
        { id: 'dev-infra', stage: 'dev', nodes: [dev.url] },
        { id: 'prod-infra', stage: 'prod', nodes: [prod.url] },
      ],
      services: [
        {
          id: 'scoring',
          versions: [
            { id: 'v1', auth: keys(DEV_KEY, 'dev-key') },
            {
              id: 'v2',
              auth: {
                ...keys(READER_KEY, 'reader', {
                  scopes: ['cluster:read', 'results:*'],
                  groups: ['analysts'],
                }),
                require: { scopes: ['cluster:read'] },
              },
            },
          ],
        },
      ],
      deployments: [
        {
          id: 'scoring-dev',
          service: 'scoring',
          version: 'v1',
          infrastructure: 'dev-infra',
          basePath: '/dev/scoring',
        },
        {
          id: 'scoring-prod',
          service: 'scoring',
          version: 'v1',
          infrastructure: 'prod-infra',
          basePath: '/prod/scoring',
          auth: {
            ...keys(PROD_KEY, 'prod-key'),
            apiKeys: { header: 'X-Prod-Key', keys: [{ id: 'prod-key', hash: hashApiKey(PROD_KEY) }] },
          },
        },
        { id: 'scoped', service: 'scoring', version: 'v2', infrastructure: 'dev-infra', basePath: '/scoped' },
        {
          id: 'needs-write',
          service: 'scoring',
          version: 'v2',
          infrastructure: 'dev-infra',
          basePath: '/needs-write',
          auth: {
            ...keys(READER_KEY, 'reader', { scopes: ['cluster:read'] }),
            require: { scopes: ['cluster:write'] },
          },
        },
        {
          id: 'needs-group',
          service: 'scoring',
          version: 'v2',
          infrastructure: 'dev-infra',
          basePath: '/needs-group',
          auth: {
            ...keys(READER_KEY, 'reader', { groups: ['analysts'] }),
            require: { groups: { anyOf: ['admins'] } },
          },
        },
      ],
    });
  });
  after(async () => {
    await gh.stop();
    await dev.close();
    await prod.close();
  });

  it('accepts the key as Bearer, as Basic user with empty password, and in X-API-Key', async () => {
    for (const headers of [
      { authorization: `Bearer ${DEV_KEY}` },
      { authorization: `bearer ${DEV_KEY}` },
      { authorization: `BEARER   ${DEV_KEY}` },
      { authorization: basic(DEV_KEY) },
      { 'x-api-key': DEV_KEY },
    ]) {
      const count = dev.requests.length;
      const res = await send(gh.url, '/dev/scoring/predict', { headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.equal(dev.requests.length, count + 1);
      const seen = dev.requests.at(-1)!.headers;
      assert.equal(seen['x-auth-method'], 'apiKeys');
      assert.equal(seen['x-auth-key-id'], 'dev-key');
      assert.equal(seen['x-auth-subject'], 'apikey:dev-key');
      assert.equal(seen.authorization, undefined, 'Authorization is not forwarded');
      assert.equal(seen['x-api-key'], undefined, 'the API key header is not forwarded either');
    }
  });

  it('answers 401 missing_credentials with RFC 6750 and Basic challenges when no key is sent', async () => {
    const seen = witness(dev);
    const res = await send(gh.url, '/dev/scoring/predict');
    assertRefused(res, seen, { status: 401, error: 'missing_credentials', reached: false });
    assert.equal(
      res.headers['www-authenticate'],
      'Bearer realm="gatehouse", Basic realm="gatehouse", charset="UTF-8"',
    );
  });

  it('refuses a key that differs in its last byte, without reaching the upstream', async () => {
    const wrong = DEV_KEY.slice(0, -1) + (DEV_KEY.endsWith('A') ? 'B' : 'A');
    for (const headers of [
      { authorization: `Bearer ${wrong}` },
      { 'x-api-key': wrong },
      { authorization: basic(wrong) },
    ]) {
      const seen = witness(dev);
      const res = await send(gh.url, '/dev/scoring/predict', { headers });
      assertRefused(res, seen, { status: 401, error: 'invalid_token', reached: false, notEchoing: wrong });
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    }
    assert.ok(!gh.log.text().includes(wrong), 'the key never appears in logs');
    assert.ok(!gh.log.text().includes(DEV_KEY));
  });

  it('keeps dev and prod keys apart through a per-deployment override', async () => {
    const seen = witness(dev, prod);
    const prodKeyOnDev = await send(gh.url, '/dev/scoring/x', { headers: { 'x-api-key': PROD_KEY } });
    assertRefused(prodKeyOnDev, seen, {
      status: 401,
      error: 'invalid_token',
      reached: false,
      notEchoing: PROD_KEY,
    });
    const devKeyOnProd = await send(gh.url, '/prod/scoring/x', { headers: { 'x-prod-key': DEV_KEY } });
    assertRefused(devKeyOnProd, seen, {
      status: 401,
      error: 'invalid_token',
      reached: false,
      notEchoing: DEV_KEY,
    });
    const before = witness(prod);
    const ok = await send(gh.url, '/prod/scoring/x', { headers: { 'x-prod-key': PROD_KEY } });
    assert.equal(ok.status, 200);
    assert.equal(before.since(), 1);
    assert.equal(prod.requests.at(-1)!.headers['x-auth-key-id'], 'prod-key');
    // The override replaced the header name: the default X-API-Key means nothing there.
    const after = witness(dev, prod);
    const viaDefaultHeader = await send(gh.url, '/prod/scoring/x', { headers: { 'x-api-key': PROD_KEY } });
    assertRefused(viaDefaultHeader, after, { status: 401, error: 'missing_credentials', reached: false });
  });

  it('refuses Basic with a password, malformed and ambiguous credentials as 401 before the upstream', async () => {
    const cases: [Record<string, string | string[]>, string][] = [
      [{ authorization: basic(DEV_KEY, 'secret') }, 'invalid_token'],
      [{ authorization: [`Bearer ${DEV_KEY}`, `Bearer ${DEV_KEY}`] }, 'invalid_request'],
      [{ 'x-api-key': [DEV_KEY, DEV_KEY] }, 'invalid_request'],
      [{ authorization: `Bearer ${DEV_KEY} extra` }, 'invalid_request'],
      [{ authorization: 'Bearer' }, 'invalid_request'],
      [{ authorization: `Token ${DEV_KEY}` }, 'invalid_request'],
      [{ authorization: 'Basic !!!notbase64' }, 'invalid_request'],
      [{ authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, 'invalid_request'],
      [{ 'x-api-key': 'has space' }, 'invalid_request'],
      [{ authorization: `Bearer ${'a'.repeat(12_000)}` }, 'invalid_request'],
    ];
    for (const [headers, code] of cases) {
      const seen = witness(dev);
      const res = await send(gh.url, '/dev/scoring/predict', { headers });
      assertRefused(res, seen, { status: 401, error: code, reached: false });
    }
    // 100 KB exceeds Node's header limit: the parser refuses it before any handler runs.
    const seen = witness(dev);
    const huge = await send(gh.url, '/dev/scoring/predict', {
      headers: { authorization: `Bearer ${'a'.repeat(100_000)}` },
    });
    assert.equal(huge.status, 400);
    assert.equal(huge.json().error, 'bad_request');
    assert.equal(seen.since(), 0, 'the upstream was not reached');
  });

  it('removes spoofed identity headers, including when named in Connection', async () => {
    const res = await send(gh.url, '/dev/scoring/predict', {
      headers: {
        'x-api-key': DEV_KEY,
        'x-auth-subject': 'root',
        'x-auth-groups': 'admins',
        'x-auth-scopes': '*',
        'x-auth-key-id': 'forged',
        connection: 'x-auth-method, keep-alive',
        'x-auth-method': 'forged',
      },
    });
    assert.equal(res.status, 200);
    const seen = dev.requests.at(-1)!.headers;
    assert.equal(seen['x-auth-subject'], 'apikey:dev-key');
    assert.equal(seen['x-auth-key-id'], 'dev-key');
    assert.equal(seen['x-auth-method'], 'apiKeys');
    assert.equal(seen['x-auth-groups'], undefined);
    assert.equal(seen['x-auth-scopes'], undefined);
  });

  it('enforces required scopes (with wildcards) and groups with 403s', async () => {
    const ok = await send(gh.url, '/scoped/x', { headers: { 'x-api-key': READER_KEY } });
    assert.equal(ok.status, 200);
    assert.equal(dev.requests.at(-1)!.headers['x-auth-scopes'], 'cluster:read,results:*');
    assert.equal(dev.requests.at(-1)!.headers['x-auth-groups'], 'analysts');

    const seen = witness(dev);
    const scope = await send(gh.url, '/needs-write/x', { headers: { 'x-api-key': READER_KEY } });
    assertRefused(scope, seen, { status: 403, error: 'insufficient_scope', reached: false });
    assert.equal(
      scope.headers['www-authenticate'],
      'Bearer realm="gatehouse", error="insufficient_scope", error_description="The credential lacks the scope(s): cluster:write.", scope="cluster:write"',
    );
    const group = await send(gh.url, '/needs-group/x', { headers: { 'x-api-key': READER_KEY } });
    assertRefused(group, seen, { status: 403, error: 'forbidden', reached: false });
  });

  it('counts outcomes by reason in /metrics, exactly', async () => {
    const outcome = (deployment: string, outcome: string, reason: string) =>
      readMetric(gh.adminUrl, 'gatehouse_auth_outcomes_total', {
        deployment,
        method: 'apiKeys',
        outcome,
        reason,
      });
    const before = {
      unknown: (await outcome('scoring-dev', 'rejected', 'unknown_api_key')) ?? 0,
      allowed: (await outcome('scoring-dev', 'allowed', '')) ?? 0,
      scopes: (await outcome('needs-write', 'forbidden', 'scopes')) ?? 0,
    };
    const unknownKey = 'ghk_unknownKeyDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD';
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await send(gh.url, '/dev/scoring/x', { headers: { 'x-api-key': unknownKey } })).status,
        401,
      );
    for (let i = 0; i < 2; i++)
      assert.equal((await send(gh.url, '/dev/scoring/x', { headers: { 'x-api-key': DEV_KEY } })).status, 200);
    assert.equal(
      (await send(gh.url, '/needs-write/x', { headers: { 'x-api-key': READER_KEY } })).status,
      403,
    );
    assert.equal(await outcome('scoring-dev', 'rejected', 'unknown_api_key'), before.unknown + 3);
    assert.equal(await outcome('scoring-dev', 'allowed', ''), before.allowed + 2);
    assert.equal(await outcome('needs-write', 'forbidden', 'scopes'), before.scopes + 1);
  });
});
