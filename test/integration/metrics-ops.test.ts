import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { deferred, waitFor, type Deferred } from '../helpers/async.js';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { metricValue, readMetric, scrapeMetrics } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const SECRETS = ['SECRET-QUERY-VALUE', 'SECRET-AUTH-VALUE', 'SECRET-COOKIE-VALUE', 'SECRET-API-KEY-VALUE'];

describe('ops endpoints, metrics and access logs', () => {
  let upstream: TestUpstream;
  let gh: TestGatehouse;
  let hold: Deferred<void> = deferred();

  before(async () => {
    upstream = await startUpstream('u', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.url?.startsWith('/api/hold')) void hold.promise.then(() => res.end('held'));
      else if (req.url?.startsWith('/api/created')) res.writeHead(201).end('created');
      else res.end('ok');
    });
    gh = await startGatehouse(publicDeployment([upstream.url], { deployment: { basePath: '/api' } }));
  });
  after(async () => {
    hold.resolve();
    await gh.stop();
    await upstream.close();
  });

  it('/healthz answers 200 and /readyz 200 while running', async () => {
    const health = await send(gh.adminUrl, '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    assert.equal(health.headers['cache-control'], 'no-store');
    const ready = await send(gh.adminUrl, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('the ops endpoints are on the admin listener, not on the data plane', async () => {
    const seen = witness(upstream);
    const res = await send(gh.url, '/metrics');
    assertRefused(res, seen, { status: 404, error: 'no_deployment', reached: false });
  });

  it('/metrics counts requests by deployment, method and status class, with latency histograms', async () => {
    const baseline = await scrapeMetrics(gh.adminUrl);
    const delta = (text: string, name: string, labels: Record<string, string> = {}): number =>
      (metricValue(text, name, labels) ?? 0) - (metricValue(baseline, name, labels) ?? 0);
    const before = upstream.requests.length;
    for (let i = 0; i < 3; i++) assert.equal((await send(gh.url, '/api/x')).status, 200);
    assert.equal((await send(gh.url, '/api/created', { method: 'POST', body: 'x' })).status, 201);
    assert.equal((await send(gh.url, '/elsewhere')).status, 404);
    assert.equal(upstream.requests.length, before + 4);
    // Counted when the response closes, just after the client has it.
    await waitFor(
      async () =>
        delta(await scrapeMetrics(gh.adminUrl), 'gatehouse_requests_total', {
          deployment: '(none)',
          status_class: '4xx',
        }) === 1,
      'the 404 to be counted',
    );
    const res = await send(gh.adminUrl, '/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const requests = (labels: Record<string, string>) => delta(text, 'gatehouse_requests_total', labels);
    assert.equal(requests({ deployment: 'dep', method: 'GET', status_class: '2xx' }), 3);
    assert.equal(requests({ deployment: 'dep', method: 'POST', status_class: '2xx' }), 1);
    assert.equal(requests({ deployment: '(none)', method: 'GET', status_class: '4xx' }), 1);
    assert.equal(delta(text, 'gatehouse_request_duration_seconds_count', { deployment: 'dep' }), 4);
    assert.equal(
      delta(text, 'gatehouse_request_duration_seconds_bucket', { deployment: 'dep', le: '+Inf' }),
      4,
    );
    assert.ok(delta(text, 'gatehouse_request_duration_seconds_sum', { deployment: 'dep' }) > 0);
    assert.equal(delta(text, 'gatehouse_upstream_response_seconds_count', { deployment: 'dep' }), 4);
    assert.equal(
      delta(text, 'gatehouse_upstream_response_seconds_bucket', { deployment: 'dep', le: '+Inf' }),
      4,
    );
    assert.equal(delta(text, 'gatehouse_error_responses_total', { code: 'no_deployment' }), 1);
    assert.equal(metricValue(text, 'gatehouse_deployments'), 1);
    assert.equal(
      metricValue(text, 'gatehouse_upstream_node_healthy', { infrastructure: 'infra', node: upstream.url }),
      1,
    );
    assert.equal(metricValue(text, 'gatehouse_requests_in_flight'), 0);
    assert.match(text, /# TYPE gatehouse_request_duration_seconds histogram/);
    assert.match(text, /# TYPE gatehouse_upstream_response_seconds histogram/);
  });

  it('the in-flight gauge counts requests being handled', async () => {
    hold = deferred();
    const before = upstream.requests.length;
    const held = [send(gh.url, '/api/hold/1'), send(gh.url, '/api/hold/2')];
    await waitFor(() => upstream.requests.length === before + 2, 'two held requests upstream');
    assert.equal(await readMetric(gh.adminUrl, 'gatehouse_requests_in_flight'), 2);
    hold.resolve();
    for (const res of await Promise.all(held)) assert.equal(res.status, 200);
    await waitFor(
      async () => (await readMetric(gh.adminUrl, 'gatehouse_requests_in_flight')) === 0,
      'gauge back to 0',
    );
  });

  it('access log lines carry requestId, status and deployment, never the query, Authorization or Cookie', async () => {
    const before = upstream.requests.length;
    const res = await send(gh.url, `/api/items?api_key=${SECRETS[0]}&page=2`, {
      headers: {
        'x-request-id': 'log-test-1',
        authorization: `Bearer ${SECRETS[1]}`,
        cookie: `session=${SECRETS[2]}`,
        'x-api-key': SECRETS[3],
      },
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, before + 1);
    const missing = await send(gh.url, `/nowhere?token=${SECRETS[0]}`, {
      headers: { 'x-request-id': 'log-test-2', authorization: `Bearer ${SECRETS[1]}` },
    });
    assert.equal(missing.status, 404);
    await waitFor(
      () =>
        gh.log.lines.some((l) => l.requestId === 'log-test-1') &&
        gh.log.lines.some((l) => l.requestId === 'log-test-2'),
      'both access log lines',
    );
    const ok = gh.log.lines.find((l) => l.requestId === 'log-test-1');
    assert.ok(ok);
    assert.equal(ok.msg, 'request');
    assert.equal(ok.level, 'info');
    assert.equal(ok.status, 200);
    assert.equal(ok.deployment, 'dep');
    assert.equal(ok.method, 'GET');
    assert.equal(ok.path, '/api/items');
    assert.equal(ok.node, upstream.url);
    assert.equal(typeof ok.durationMs, 'number');
    assert.equal(typeof ok.upstreamMs, 'number');
    assert.equal(ok.remote, '127.0.0.1');
    const notFound = gh.log.lines.find((l) => l.requestId === 'log-test-2');
    assert.ok(notFound);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.deployment, undefined);
    assert.equal(notFound.path, '/nowhere');
    const text = gh.log.text();
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} never appears in the logs`);
  });

  it('logging.accessLog: false turns the request lines off', async () => {
    const quiet = await startGatehouse({
      ...publicDeployment([upstream.url], { deployment: { basePath: '/api' } }),
      logging: { accessLog: false },
    });
    try {
      const before = upstream.requests.length;
      assert.equal((await send(quiet.url, '/api/x', { headers: { 'x-request-id': 'quiet-1' } })).status, 200);
      assert.equal(upstream.requests.length, before + 1);
      await waitFor(
        async () =>
          (await readMetric(quiet.adminUrl, 'gatehouse_requests_total', { deployment: 'dep' })) === 1,
        'the request to be counted',
      );
      assert.ok(!quiet.log.lines.some((l) => l.msg === 'request'));
    } finally {
      await quiet.stop();
    }
  });

  it('scrapes concurrently without errors', async () => {
    const scrapes = await Promise.all(Array.from({ length: 5 }, () => scrapeMetrics(gh.adminUrl)));
    for (const text of scrapes) assert.match(text, /gatehouse_requests_total/);
  });
});
