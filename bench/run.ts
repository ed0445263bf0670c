/**
 * `npm run bench`: what Gatehouse costs compared with the floor for a Node proxy.
 * One upstream for the whole run; each scenario's proxy is started, warmed up,
 * measured and stopped in turn (--rounds N: the whole list N times). See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareAuthMaterial } from './auth/material.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { stopBenchRedis } from './redis.js';
import { killAllNow } from './process/children.js';
import { buildReport, isBroken, writeReport } from './report/build.js';
import { printReport } from './report/print.js';
import { runRounds, selectScenarios } from './run-all.js';
import { SCENARIOS } from './scenarios.js';
import { missingTools } from './tools.js';
import { startUpstream } from './upstream/start-upstream.js';

async function main(options: BenchOptions, workDir: string): Promise<number> {
  const scenarios = selectScenarios(options.only);
  const startedAt = new Date().toISOString();
  const loadAverage = loadavg();
  const upstream = await startUpstream(workDir, options.loadCpu, options.nodeUpstream);
  try {
    const auth = await prepareAuthMaterial(upstream.jwksFile, upstream.jwksUrl);
    const rounds = await runRounds(scenarios, options, upstream, {
      upstreamUrl: upstream.url,
      workDir,
      auth,
    });
    const report = buildReport(
      scenarios,
      options,
      { startedAt, loadAverage, upstream: upstream.kind },
      rounds,
    );
    printReport(report, await writeReport(report));
    return isBroken(report) ? 1 : 0;
  } finally {
    await Promise.all([upstream.process.stop(), stopBenchRedis()]);
  }
}

function start(): void {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) return console.log(USAGE);
  if (options.list)
    return console.log(SCENARIOS.map((s) => `${s.name.padEnd(34)} ${s.description}`).join('\n'));
  const missing = missingTools();
  if (missing) {
    console.error(missing);
    process.exitCode = 1;
    return;
  }
  const workDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const cleanUp = (): void => {
    killAllNow();
    rmSync(workDir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every benchmark process`);
      cleanUp();
      process.exit(130);
    });
  main(options, workDir).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}

start();
