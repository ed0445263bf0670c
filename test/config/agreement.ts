/**
 * The agreement check of the "one validation" tests (issue #9 §5): each configuration of
 * a corpus (corpus.ts) goes through `check-config` (in process), `Gatehouse.start` and a
 * live reload of one running Gatehouse. All three must reach the same verdict with the
 * same issues; every refusal names a key path, shows no stack trace or bare TypeError,
 * and echoes no secret; a refused start opens no listener; a refused reload leaves the
 * running plan serving. Each test file runs one part of the corpus (files run in parallel).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkConfig, type CheckConfigResult } from '../../src/cli/check-config.js';
import { ConfigError } from '../../src/config/issues.js';
import { Gatehouse } from '../../src/gatehouse.js';
import { createLogger } from '../../src/observability/log.js';
import { CapturedLog } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { readMetric } from '../helpers/metrics.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { prepareCorpus, type CorpusEntry, type CorpusMaterial } from './corpus.js';

const listeningSockets = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

function baseConfig(upstream: string): string {
  return [
    'server: {dataPlane: {host: 127.0.0.1, port: 0}, admin: {host: 127.0.0.1, port: 0}, reload: {watch: false}}',
    'store: {type: memory}',
    `infrastructures: [{id: base-infra, nodes: ["${upstream}"]}]`,
    'services: [{id: base, versions: [{id: v1, auth: {methods: [public]}}]}]',
    'deployments: [{id: base, service: base, version: v1, infrastructure: base-infra, basePath: /base}]',
    '',
  ].join('\n');
}

/** What every refusal must look like, wherever it is reported. */
function assertGoodRefusal(entry: CorpusEntry, result: CheckConfigResult, secrets: readonly string[]): void {
  const where = `${entry.name}: ${result.stderr}`;
  assert.ok(result.issues.length > 0, where);
  for (const issue of result.issues) {
    assert.ok(issue.path.length > 0 && issue.path.trim() === issue.path, `empty key path in ${where}`);
    assert.ok(issue.message.length > 0, where);
  }
  assert.doesNotMatch(result.stderr, /TypeError|RangeError|must be of type string|\n\s+at .+:\d+:\d+/, where);
  assert.doesNotMatch(result.stderr, /validation failed unexpectedly/, where);
  for (const secret of secrets) assert.ok(!result.stderr.includes(secret), `${entry.name} echoes a secret`);
}

/** The corpus part a test file checks, from the generated material and the servers it may point at. */
export type CorpusPart = (material: CorpusMaterial, jwksUri: string, upstream: string) => CorpusEntry[];

export function describeAgreement(title: string, part: CorpusPart, minimumAccepted: number): void {
  describe(title, () => {
    let upstream: TestUpstream;
    let jwks: JwksServer;
    let material: CorpusMaterial;
    let corpus: CorpusEntry[];
    let running: Gatehouse;
    let configPath: string;
    const runningLog = new CapturedLog();
    const startLog = new CapturedLog();

    before(async () => {
      upstream = await startUpstream('corpus');
      material = prepareCorpus();
      jwks = await startJwksServer({ keys: [material.ecJwk] });
      corpus = part(material, jwks.jwksUri, upstream.url);
      configPath = join(material.dir, 'gatehouse.yaml');
      writeFileSync(configPath, baseConfig(upstream.url));
      running = await Gatehouse.start({
        configPath,
        env: material.env,
        logger: createLogger('info', runningLog.stream),
        defaultMetrics: false,
      });
    });

    after(async () => {
      await running?.stop();
      await Promise.all([upstream?.close(), jwks?.close()]);
      if (material) rmSync(material.dir, { recursive: true, force: true });
    });

    it('the corpus part is large: over a hundred files', () => {
      assert.ok(corpus.length > 100, `${corpus.length} entries`);
      assert.equal(new Set(corpus.map((e) => e.name)).size, corpus.length, 'entry names are unique');
    });

    it('same verdict and issues from check-config, Gatehouse.start and a live reload', async () => {
      const base = baseConfig(upstream.url);
      let accepted = 0;
      for (const entry of corpus) {
        writeFileSync(configPath, entry.text);
        const cli = await checkConfig(configPath, material.env);
        if (entry.name.includes('(accepted)')) assert.equal(cli.exitCode, 0, `${entry.name}: ${cli.stderr}`);
        else if (!/ cut after line | value → /.test(entry.name))
          assert.equal(cli.exitCode, 1, `${entry.name} must be refused`);
        if (cli.exitCode === 1) assertGoodRefusal(entry, cli, material.secrets);
        else accepted++;

        // Gatehouse.start: the same issues in a ConfigError, and no listener opened.
        const listeningBefore = listeningSockets();
        const started = await Gatehouse.start({
          configPath,
          env: material.env,
          logger: createLogger('info', startLog.stream),
          defaultMetrics: false,
        }).then(
          (gatehouse) => ({ gatehouse }),
          (error: unknown) => ({ error }),
        );
        if ('gatehouse' in started) {
          await started.gatehouse.stop();
          assert.equal(cli.exitCode, 0, `${entry.name}: start accepted what check-config refused`);
        } else {
          assert.ok(
            started.error instanceof ConfigError,
            `${entry.name}: start threw ${String(started.error)}`,
          );
          assert.equal(cli.exitCode, 1, `${entry.name}: start refused what check-config accepted`);
          assert.deepEqual(started.error.issues, cli.issues, `${entry.name}: start's issues`);
          assert.equal(
            listeningSockets(),
            listeningBefore,
            `${entry.name}: a refused start opened a listener`,
          );
        }

        // A live reload: refused with the same issues, the running plan still serving.
        const reload = await running.reload('corpus');
        assert.equal(reload.ok, cli.exitCode === 0, `${entry.name}: reload verdict`);
        if (!reload.ok) {
          assert.deepEqual(reload.issues, cli.issues, `${entry.name}: reload's issues`);
          const before = upstream.requests.length;
          const res = await send(running.dataPlaneUrl, '/base/still-here');
          assert.equal(res.status, 200, `${entry.name}: the running plan stopped serving`);
          assert.equal(upstream.requests.length, before + 1, 'the request reached the upstream');
        } else {
          writeFileSync(configPath, base);
          assert.equal((await running.reload('restore')).ok, true);
        }
      }
      assert.ok(accepted >= minimumAccepted, `${accepted} accepted: the corpus also exercises acceptance`);
      assert.equal(await readMetric(running.adminUrl, 'gatehouse_deployments'), 1);
    });

    it('never logs a secret while refusing (running instance and refused starts)', () => {
      assert.ok(
        runningLog.lines.some(
          (l) => l.msg === 'configuration reload refused; keeping the running configuration',
        ),
      );
      for (const text of [runningLog.text(), startLog.text()])
        for (const secret of material.secrets) assert.ok(!text.includes(secret), 'a log line holds a secret');
    });
  });
}
