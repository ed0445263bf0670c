import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { deferred, waitFor, type Deferred } from '../helpers/async.js';
import { startGatehouse, type ConfigObject } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { readMetric } from '../helpers/metrics.js';
import { startGatehouseProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

/** Deployments by base path → upstream URL, one infrastructure each. */
function routes(map: Record<string, string>, server?: ConfigObject): ConfigObject {
  const entries = Object.entries(map);
  return {
    ...(server ? { server } : {}),
    infrastructures: entries.map(([name, url]) => ({ id: `infra-${name}`, nodes: [url] })),
    services: [{ id: 'svc', versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
    deployments: entries.map(([name]) => ({
      id: name,
      service: 'svc',
      version: 'v1',
      infrastructure: `infra-${name}`,
      basePath: `/${name}`,
    })),
  };
}

describe('configuration reload', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let hold: Deferred<void> = deferred();

  function handler(name: string) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      req.resume();
      if (req.url?.includes('/slow')) void hold.promise.then(() => res.end(`${name}-slow`));
      else res.end(name);
    };
  }

  before(async () => {
    a = await startUpstream('a', handler('a'));
    b = await startUpstream('b', handler('b'));
  });
  after(async () => {
    hold.resolve();
    await Promise.all([a.close(), b.close()]);
  });

  it('swaps the plan: a new deployment is reachable, a removed one answers 404', async () => {
    const gh = await startGatehouse(routes({ old: a.url, kept: a.url }));
    try {
      assert.equal((await send(gh.url, '/old/x')).text, 'a');
      gh.writeConfig(routes({ new: b.url, kept: a.url }));
      const result = await gh.gatehouse.reload();
      assert.deepEqual({ ok: result.ok, changed: result.ok && result.changed }, { ok: true, changed: true });
      const aBefore = a.requests.length;
      const bBefore = b.requests.length;
      const added = await send(gh.url, '/new/x');
      assert.equal(added.status, 200);
      assert.equal(added.text, 'b');
      const seen = witness(a, b);
      const removed = await send(gh.url, '/old/x');
      assertRefused(removed, seen, { status: 404, error: 'no_deployment', reached: false });
      assert.equal((await send(gh.url, '/kept/x')).text, 'a');
      assert.equal(b.requests.length, bBefore + 1);
      assert.equal(a.requests.length, aBefore + 1, 'only /kept reached upstream a');
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'success' }), 1);
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_deployments'), 2);
      assert.ok(gh.log.lines.some((l) => l.msg === 'configuration reloaded' && l.reason === 'requested'));
    } finally {
      await gh.stop();
    }
  });

  it('a request in flight on the old plan completes with the old upstream after the swap', async () => {
    hold = deferred();
    const gh = await startGatehouse(routes({ api: a.url }));
    try {
      const aBefore = a.requests.length;
      const inFlight = send(gh.url, '/api/slow');
      await waitFor(() => a.requests.length === aBefore + 1, 'the slow request at upstream a');
      gh.writeConfig(routes({ api: b.url }));
      const result = await gh.gatehouse.reload();
      assert.equal(result.ok, true);
      // New requests use the new plan at once…
      const bBefore = b.requests.length;
      const fresh = await send(gh.url, '/api/x');
      assert.equal(fresh.text, 'b');
      assert.equal(b.requests.length, bBefore + 1);
      // …while the old one is still being answered by the old upstream.
      hold.resolve();
      const old = await inFlight;
      assert.equal(old.status, 200);
      assert.equal(old.text, 'a-slow');
      assert.equal(a.requests.length, aBefore + 1);
    } finally {
      hold.resolve();
      await gh.stop();
    }
  });

  it('refuses an invalid file: reload() says why, the failure is counted and logged, the old plan keeps serving', async () => {
    const gh = await startGatehouse(routes({ api: a.url }));
    try {
      const broken = routes({ api: a.url });
      (broken.deployments as ConfigObject[]).push({
        id: 'ghost',
        service: 'svc',
        version: 'v1',
        infrastructure: 'missing-infra',
      });
      gh.writeConfig(broken);
      const result = await gh.gatehouse.reload();
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, /deployments\[1\]\.infrastructure/);
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'failure' }), 1);
      const line = gh.log.lines.find(
        (l) => l.msg === 'configuration reload refused; keeping the running configuration',
      );
      assert.ok(line, 'a log line says the reload was refused');
      assert.equal(line.level, 'error');
      assert.match(JSON.stringify(line.issues), /deployments\[1\]\.infrastructure/);
      const aBefore = a.requests.length;
      const res = await send(gh.url, '/api/x');
      assert.equal(res.status, 200);
      assert.equal(res.text, 'a');
      assert.equal(a.requests.length, aBefore + 1);
      assert.equal((await send(gh.adminUrl, '/readyz')).status, 200, 'still ready');

      // A YAML syntax error is refused the same way.
      writeFileSync(gh.configPath, 'deployments: [unclosed\n');
      const syntax = await gh.gatehouse.reload();
      assert.equal(syntax.ok, false);
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'failure' }), 2);
      assert.equal((await send(gh.url, '/api/x')).text, 'a');

      // A missing file too.
      rmSync(gh.configPath);
      const missing = await gh.gatehouse.reload();
      assert.equal(missing.ok, false);
      assert.match(missing.ok ? '' : missing.error, /cannot read configuration file \(ENOENT\)/);
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'failure' }), 3);
      assert.equal((await send(gh.url, '/api/x')).text, 'a');

      // An empty (half-written) file too: it must not drop every route.
      writeFileSync(gh.configPath, '');
      const empty = await gh.gatehouse.reload();
      assert.equal(empty.ok, false);
      assert.match(empty.ok ? '' : empty.error, /the configuration file is empty/);
      assert.equal(await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'failure' }), 4);
      assert.equal((await send(gh.url, '/api/x')).text, 'a');

      // A null document (`---` alone, with comments, `~`, `null`) is as half-written as an
      // empty file: refused, where it used to reload as {} and drop every route.
      let failures = 4;
      for (const text of ['---\n', '---\n# written later\n', '~\n', 'null\n']) {
        writeFileSync(gh.configPath, text);
        const nullRoot = await gh.gatehouse.reload();
        assert.equal(nullRoot.ok, false, JSON.stringify(text));
        assert.deepEqual(nullRoot.ok ? [] : nullRoot.issues?.map((i) => i.path), ['(root)']);
        assert.match(nullRoot.ok ? '' : nullRoot.error, /root must be a mapping.*write `\{\}`/);
        assert.equal(
          await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'failure' }),
          ++failures,
        );
        const before = a.requests.length;
        assert.equal((await send(gh.url, '/api/x')).text, 'a');
        assert.equal(a.requests.length, before + 1, 'the running plan still forwards');
        assert.equal(await readMetric(gh.adminUrl, 'gatehouse_deployments'), 1);
      }
    } finally {
      await gh.stop();
    }
  });

  it('file watching (server.reload.watch) picks up a change without reload()', async () => {
    const server = { reload: { watch: true, debounceMs: 50 } };
    const gh = await startGatehouse(routes({ old: a.url }, server));
    try {
      gh.writeConfig(routes({ new: b.url }, server));
      await waitFor(async () => (await send(gh.url, '/new/x')).status === 200, 'the new deployment', 10_000);
      assert.equal((await send(gh.url, '/new/x')).text, 'b');
      const seen = witness(a, b);
      assertRefused(await send(gh.url, '/old/x'), seen, {
        status: 404,
        error: 'no_deployment',
        reached: false,
      });
      assert.ok(gh.log.lines.some((l) => l.msg === 'configuration reloaded' && l.reason === 'file change'));

      // An invalid file written while watching is refused; the running plan stays.
      writeFileSync(gh.configPath, 'infrastructures: 42\n');
      await waitFor(
        async () =>
          ((await readMetric(gh.adminUrl, 'gatehouse_config_reloads_total', { result: 'failure' })) ?? 0) >=
          1,
        'the refused reload',
        10_000,
      );
      assert.equal((await send(gh.url, '/new/x')).text, 'b');
    } finally {
      await gh.stop();
    }
  });

  it('SIGHUP makes a running `gatehouse start` reload its file', async () => {
    const proc = await startGatehouseProcess(routes({ old: a.url }));
    try {
      assert.equal((await send(proc.url, '/old/x')).text, 'a');
      proc.writeConfig(routes({ new: b.url }));
      proc.child.kill('SIGHUP');
      await waitFor(
        async () => (await send(proc.url, '/new/x')).status === 200,
        'the new deployment',
        10_000,
      );
      assert.equal((await send(proc.url, '/new/x')).text, 'b');
      const seen = witness(a, b);
      assertRefused(await send(proc.url, '/old/x'), seen, {
        status: 404,
        error: 'no_deployment',
        reached: false,
      });
      // Info lines reach stdout in batches (at least every second).
      await waitFor(
        () => proc.lines.some((l) => l.msg === 'configuration reloaded' && l.reason === 'SIGHUP'),
        'the reload log line',
        5_000,
      );
    } finally {
      const exit = await proc.stop();
      assert.deepEqual(exit, { code: 0, signal: null });
    }
  });
});
