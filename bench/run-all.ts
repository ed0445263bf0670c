/** Runs the scenarios in order, one proxy process at a time, keeps going after a failure; N rounds of that. */
import { H2LOAD_MISSING, h2loadAvailable } from './load/h2load.js';
import type { BenchOptions } from './options.js';
import type { FixedRateRun, RoundResult, ScenarioFailure, ThroughputRun } from './results.js';
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

/** The rate of every fixed-rate run: --fixed-rate, else half the floor's peak (none without a clean floor row). */
export function sharedFixedRate(options: BenchOptions, floor: ThroughputRun | undefined): number | undefined {
  if (!options.fixedRate) return undefined;
  if (options.fixedRateReqPerSec !== undefined) return options.fixedRateReqPerSec;
  if (!floor || floor.errors.total > 0) return undefined;
  return Math.max(1, Math.round(floor.reqPerSec / 2));
}

/**
 * Where a round's fixed rate comes from: round 1 decides it from its own floor row (as a
 * single run does); later rounds reuse round 1's rate, so every round measures at the same rate.
 */
export type RoundRate = 'from-this-round-floor' | { readonly reqPerSec: number | undefined };

export interface RoundPlan {
  /** 1-based. */
  readonly round: number;
  readonly of: number;
  readonly rate: RoundRate;
}

function fixedRateFor(
  scenario: Scenario,
  options: BenchOptions,
  plan: RoundPlan,
  floor: ThroughputRun | undefined,
): number | undefined {
  if (!scenario.fixedRate) return undefined;
  return plan.rate === 'from-this-round-floor' ? sharedFixedRate(options, floor) : plan.rate.reqPerSec;
}

/** One round: every selected scenario once, in order, one proxy process at a time; keeps going after a failure. */
export async function runRound(
  scenarios: readonly Scenario[],
  options: BenchOptions,
  upstream: Upstream,
  ctx: ScenarioContext,
  plan: RoundPlan,
): Promise<RoundResult> {
  const throughput: ThroughputRun[] = [];
  const fixedRate: FixedRateRun[] = [];
  const failures: ScenarioFailure[] = [];
  const env = { ctx, upstreamPid: upstream.process.pid, options };
  const proxies = new ProxyCache(ctx, options.proxyCpu);
  const roundLabel = plan.of > 1 ? `[round ${plan.round}/${plan.of}] ` : '';
  try {
    for (const [index, scenario] of scenarios.entries()) {
      console.log(
        `${roundLabel}[${index + 1}/${scenarios.length}] ${scenario.name}: ${scenario.description}`,
      );
      if (scenario.transport === 'h2' && !h2loadAvailable()) {
        console.log(`  skipped: ${H2LOAD_MISSING}`);
        continue;
      }
      try {
        const floor = throughput.find((r) => r.scenario === FLOOR);
        const outcome = await runScenario(scenario, env, proxies, (own) => {
          const rate = fixedRateFor(scenario, options, plan, scenario.name === FLOOR ? own : floor);
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
        failures.push({ scenario: scenario.name, round: plan.round, error });
      }
    }
  } finally {
    await proxies.release();
  }
  return { throughput, fixedRate, failures };
}

/**
 * `--rounds N`: the whole scenario list N times, round after round (floor, A, B, …, floor,
 * A, B, …), so that each measurement sits next to a floor measurement of its own round.
 * The fixed rate is decided once, from round 1's floor.
 */
export async function runRounds(
  scenarios: readonly Scenario[],
  options: BenchOptions,
  upstream: Upstream,
  ctx: ScenarioContext,
): Promise<RoundResult[]> {
  const of = options.rounds;
  const first = await runRound(scenarios, options, upstream, ctx, {
    round: 1,
    of,
    rate: 'from-this-round-floor',
  });
  const reqPerSec = sharedFixedRate(
    options,
    first.throughput.find((r) => r.scenario === FLOOR),
  );
  const rounds = [first];
  for (let round = 2; round <= of; round++) {
    if (round === 2 && options.fixedRate)
      console.log(
        reqPerSec === undefined
          ? 'no fixed-rate runs in the next rounds: round 1 gave no rate'
          : `fixed rate of every round: ${reqPerSec} req/s (from round 1)`,
      );
    rounds.push(await runRound(scenarios, options, upstream, ctx, { round, of, rate: { reqPerSec } }));
  }
  return rounds;
}

function progressLine(t: ThroughputRun, f: FixedRateRun | undefined): string {
  let line = `${t.reqPerSec} req/s, p99 ${t.latencyMs.p99} ms`;
  if (t.proxyCpuMicrosPerRequest !== null) line += `, ${t.proxyCpuMicrosPerRequest} µs CPU/req`;
  if (t.proxyCpuShare !== null)
    line += t.reusedProcess ? ' (same process as the previous scenario)' : ` (started in ${t.startupMs} ms)`;
  if (t.errors.total > 0) line += `, ${t.errors.total} FAILED REQUESTS`;
  if (f) line += `; at ${f.rate} req/s: p99 ${f.latencyMs.p99} ms`;
  return line;
}
