/**
 * A real nginx (the Debian package) in front of a real upstream, asking Gatehouse's
 * decision endpoint with `auth_request` (issue #12), configured as docs/forward-auth.md
 * says: allowed requests reach the upstream with the identity headers nginx copied
 * (`auth_request_set`) and without the API key; refused ones get Gatehouse's own
 * 401/403/429 JSON through the `@gatehouse_refused` replay. nginx runs on free ports
 * with its own prefix folder and is stopped by its process id.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { freePort } from '../helpers/redis-server.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { apiKeyConfig, BASE_PATH, KEYS } from './fixtures.js';

const NGINX = '/usr/sbin/nginx';

function nginxConf(prefix: string, port: number, upstream: string, decisions: string): string {
  const tmp = (name: string) => `${name}_temp_path ${join(prefix, 'tmp', name)};`;
  return `
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 128; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(tmp).join('\n  ')}
  server {
    listen 127.0.0.1:${port};

    location / {
      auth_request /_gatehouse;
      auth_request_set $auth_subject $upstream_http_x_auth_subject;
      auth_request_set $auth_method $upstream_http_x_auth_method;
      auth_request_set $auth_key_id $upstream_http_x_auth_key_id;
      auth_request_set $auth_groups $upstream_http_x_auth_groups;
      auth_request_set $auth_scopes $upstream_http_x_auth_scopes;
      proxy_set_header X-Auth-Subject $auth_subject;
      proxy_set_header X-Auth-Method $auth_method;
      proxy_set_header X-Auth-Key-Id $auth_key_id;
      proxy_set_header X-Auth-Groups $auth_groups;
      proxy_set_header X-Auth-Scopes $auth_scopes;
      proxy_set_header X-API-Key "";
      proxy_set_header Authorization "";
      error_page 401 403 500 = @gatehouse_refused;
      proxy_pass ${upstream};
    }

    location = /_gatehouse {
      internal;
      proxy_pass ${decisions}/decisions;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }

    location @gatehouse_refused {
      internal;
      rewrite ^ /decisions break;
      proxy_pass ${decisions};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

describe('nginx auth_request with the decision endpoint', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let prefix: string;
  let nginx: ChildProcess;
  let nginxUrl: string;

  before(async () => {
    upstream = await startUpstream('api');
    const config = apiKeyConfig([upstream.url], { rateLimits: [{ by: 'apiKey', rate: '1/h', burst: 3 }] });
    const version = (config.services as { versions: { auth: Record<string, unknown> }[] }[])[0]?.versions[0];
    const vip = {
      id: 'vip',
      service: 'svc',
      version: 'v1',
      infrastructure: 'infra',
      basePath: '/vip',
      auth: { ...version?.auth, require: { groups: { anyOf: ['partners'] } } },
    };
    gh = await startGatehouse({
      ...config,
      deployments: [...(config.deployments as unknown[]), vip],
      server: { dataPlane: { trustProxy: ['127.0.0.1'] }, decisions: { host: '127.0.0.1', port: 0 } },
    });
    prefix = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
    mkdirSync(join(prefix, 'tmp'));
    const port = await freePort();
    nginxUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(prefix, 'nginx.conf'),
      nginxConf(prefix, port, upstream.url, gh.gatehouse.decisionsUrl),
    );
    nginx = spawn(
      NGINX,
      ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await waitFor(async () => {
      try {
        await send(nginxUrl, '/healthz-probe');
        return true;
      } catch {
        return false;
      }
    }, 'nginx listening');
  });
  after(async () => {
    if (nginx?.pid !== undefined && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      process.kill(nginx.pid, 'SIGQUIT');
      await exited;
    }
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    await gh?.stop();
    await upstream?.close();
  });

  it('forwards an allowed request with the identity headers nginx copied, without the key', async () => {
    const res = await send(nginxUrl, `${BASE_PATH}/orders?id=7`, {
      headers: { 'x-api-key': KEYS.alice, 'x-auth-subject': 'admin' },
    });
    assert.equal(res.status, 200, `${res.text}\n${readFileSync(join(prefix, 'error.log'), 'utf8')}`);
    const seen = upstream.requests.at(-1);
    assert.equal(seen?.url, `${BASE_PATH}/orders?id=7`);
    assert.equal(seen?.headers['x-auth-subject'], 'apikey:alice');
    assert.equal(seen?.headers['x-auth-key-id'], 'alice');
    assert.equal(seen?.headers['x-auth-method'], 'apiKeys');
    assert.equal(seen?.headers['x-api-key'], undefined);
  });

  it("answers refused requests with Gatehouse's 401 and 403 JSON; the upstream is not reached", async () => {
    const reached = upstream.requests.length;
    const missing = await send(nginxUrl, `${BASE_PATH}/orders`);
    assertGatehouseError(missing, 401, 'missing_credentials');
    assert.match(String(missing.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
    assertGatehouseError(
      await send(nginxUrl, `${BASE_PATH}/orders`, { headers: { 'x-api-key': 'gh_wrong_0000000000000' } }),
      401,
      'invalid_token',
    );
    assertGatehouseError(
      await send(nginxUrl, '/vip/orders', { headers: { 'x-api-key': KEYS.bob } }),
      403,
      'forbidden',
    );
    assert.equal(upstream.requests.length, reached);
    assert.equal(
      (await send(nginxUrl, '/vip/orders', { headers: { 'x-api-key': KEYS.partner } })).status,
      200,
    );
  });

  it("refuses a client's X-Forwarded-Uri beside nginx's X-Original-URI (400), not the path it names", async () => {
    // nginx passes the client's headers to the auth subrequest: alice (not a partner) must
    // not reach /vip by describing a path she may use.
    const reached = upstream.requests.length;
    const res = await send(nginxUrl, '/vip/orders', {
      headers: { 'x-api-key': KEYS.alice, 'x-forwarded-uri': `${BASE_PATH}/orders` },
    });
    assertGatehouseError(res, 400, 'bad_request');
    assert.equal(upstream.requests.length, reached);
  });

  it('the upstream gets no identity header the client sent, X-Auth-Scopes included', async () => {
    const res = await send(nginxUrl, `${BASE_PATH}/orders`, {
      headers: { 'x-api-key': KEYS.alice, 'x-auth-scopes': 'admin', 'x-auth-groups': 'partners' },
    });
    assert.equal(res.status, 200, res.text);
    const seen = upstream.requests.at(-1);
    assert.equal(seen?.headers['x-auth-subject'], 'apikey:alice');
    assert.equal(seen?.headers['x-auth-scopes'], undefined);
    assert.equal(seen?.headers['x-auth-groups'], undefined);
  });

  it("passes Gatehouse's 429 through when a rate limit refuses", async () => {
    const ask = () => send(nginxUrl, `${BASE_PATH}/r`, { headers: { 'x-api-key': KEYS.bob } });
    for (let i = 0; i < 3; i++) assert.equal((await ask()).status, 200);
    const refused = await ask();
    assertGatehouseError(refused, 429, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) > 0);
  });
});
