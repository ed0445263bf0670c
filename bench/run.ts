/**
 * `npm run bench`: what Gatehouse costs compared with the floor for a Node proxy.
 * One upstream for the whole run; each scenario's proxy is started, warmed up,
 * measured and stopped in turn (--rounds N: the whole list N times). See bench/README.md.
 */
import { loadavg } from 'node:os';
import { prepareAuthMaterial } from './auth/material.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { stopBenchRedis } from './redis.js';
import { runBench } from './process/bench-main.js';
import { buildReport, isBroken, writeReport } from './report/build.js';
import { printReport } from './report/print.js';
import { runRounds, selectScenarios } from './run-all.js';
import { SCENARIOS } from './scenarios.js';
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
  runBench('gatehouse-bench-', (workDir) => main(options, workDir));
}

start();
