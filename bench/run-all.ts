/** Runs the scenarios in order, one proxy process at a time, and keeps going after a failure. */
import { H2LOAD_MISSING, h2loadAvailable } from './load/h2load.js';
import type { BenchOptions } from './options.js';
import type { BenchReport, FixedRateSummary, ScenarioFailure, ThroughputResult } from './results.js';
import { ProxyCache } from './proxies/proxy-cache.js';
import { runScenario } from './run-scenario.js';
import type { Scenario, ScenarioContext } from './scenario-types.js';
import { FLOOR, SCENARIOS } from './scenarios.js';
import type { Upstream } from './upstream/start-upstream.js';

export function selectScenarios(only: readonly string[] | undefined): Scenario[] {
  if (!only) return [...SCENARIOS];
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  return SCENARIOS.filter((s) => s.name === FLOOR || only.includes(s.name));
}

/** --fixed-rate, else half the floor's peak; the floor's own fixed-rate run uses its own peak. */
function fixedRateFor(
  scenario: Scenario,
  options: BenchOptions,
  floor: ThroughputResult | undefined,
): number | undefined {
  if (!options.fixedRate || !scenario.fixedRate) return undefined;
  if (options.fixedRateReqPerSec !== undefined) return options.fixedRateReqPerSec;
  if (!floor || floor.errors.total > 0) return undefined;
  return Math.max(1, Math.round(floor.reqPerSec / 2));
}

export async function runAll(
  scenarios: readonly Scenario[],
  options: BenchOptions,
  upstream: Upstream,
  ctx: ScenarioContext,
): Promise<Pick<BenchReport, 'throughput' | 'fixedRate' | 'failures'>> {
  const throughput: ThroughputResult[] = [];
  const fixedRate: FixedRateSummary[] = [];
  const failures: ScenarioFailure[] = [];
  const env = { ctx, upstreamPid: upstream.process.pid, options };
  const proxies = new ProxyCache(ctx, options.proxyCpu);
  try {
    for (const [index, scenario] of scenarios.entries()) {
      console.log(`[${index + 1}/${scenarios.length}] ${scenario.name}: ${scenario.description}`);
      if (scenario.transport === 'h2' && !h2loadAvailable()) {
        console.log(`  skipped: ${H2LOAD_MISSING}`);
        continue;
      }
      try {
        const floor = throughput.find((r) => r.scenario === FLOOR);
        const outcome = await runScenario(scenario, env, proxies, (own) => {
          const rate = fixedRateFor(scenario, options, scenario.name === FLOOR ? own : floor);
          if (rate === undefined || rate <= own.reqPerSec) return rate;
          // Above its own closed-loop peak the queue only grows: the run would measure the
          // client's backlog (and outlast its drain timeout on long runs), not latency.
          console.log(`  no fixed-rate run: ${rate} req/s is above this scenario's peak of ${own.reqPerSec}`);
          return undefined;
        });
        throughput.push(outcome.throughput);
        if (outcome.fixedRate) fixedRate.push(outcome.fixedRate);
        console.log(`  ${progressLine(outcome.throughput, outcome.fixedRate)}`);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        console.log(`  !! ${scenario.name} failed: ${error}`);
        failures.push({ scenario: scenario.name, error });
      }
    }
  } finally {
    await proxies.release();
  }
  return { throughput, fixedRate, failures };
}

function progressLine(t: ThroughputResult, f: FixedRateSummary | undefined): string {
  let line = `${t.reqPerSec} req/s, p99 ${t.latencyMs.p99} ms`;
  if (t.proxyCpuMicrosPerRequest !== null) line += `, ${t.proxyCpuMicrosPerRequest} µs CPU/req`;
  if (t.proxyCpuShare !== null)
    line += t.reusedProcess ? ' (same process as the previous scenario)' : ` (started in ${t.startupMs} ms)`;
  if (t.errors.total > 0) line += `, ${t.errors.total} FAILED REQUESTS`;
  if (f) line += `; at ${f.rate} req/s: p99 ${f.latencyMs.p99} ms`;
  return line;
}
