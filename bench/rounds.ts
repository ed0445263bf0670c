/**
 * Combines N interleaved rounds (floor, A, B, …, floor, A, B, …) into one report row per
 * scenario. On a VM whose steal time changes by the minute, a ratio to the floor measured
 * in the same round is steadier than any absolute figure, so the report uses the median
 * of per-round ratios (not the ratio of medians) and shows the round it came from.
 *
 * - Median: for an even count, the LOWER of the two middle values (so it is a measured
 *   round, never an average); equal values keep round order.
 * - Throughput: each row's fields are those of one round, the representative: the round
 *   with the median CPU ratio (the floor: its median CPU µs/req; no CPU figure: the median
 *   req/s ratio). A round with failed requests or a failed auth check represents the row
 *   instead, so the row is invalid exactly as a single-round run would be.
 * - Fixed rate: the representative is the round with the median p99 (or a broken round, as
 *   above); added p99 / p99.9 are medians over rounds of (own pXX − that round's floor pXX),
 *   over the rounds in which both made a fixed-rate run.
 * - Failures: a scenario that failed in any round is reported as failed: its other rounds
 *   are left out (no row, no medians). Without the floor there are no ratios.
 */
import type {
  FixedRateRun,
  FixedRateSummary,
  RoundResult,
  ScenarioFailure,
  ThroughputResult,
  ThroughputRun,
} from './results.js';
import { FLOOR } from './scenarios.js';

export interface CombinedRounds {
  readonly throughput: ThroughputResult[];
  readonly fixedRate: FixedRateSummary[];
  readonly failures: ScenarioFailure[];
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Index of the median value: the lower middle one for an even count; equal values sort in index order. */
export function medianIndex(values: readonly number[]): number {
  if (values.length === 0) throw new Error('no values to take the median of');
  const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0) || a - b);
  return order[Math.floor((values.length - 1) / 2)] ?? 0;
}

export function median(values: readonly number[]): number {
  return values[medianIndex(values)] ?? NaN;
}

/** Per-round a[i] ÷ b[i], rounded to 3 decimals; null when a denominator is 0. */
function ratiosOf(a: readonly number[], b: readonly number[]): number[] | null {
  return pairwise(a, b, (x, y) => (y === 0 ? null : round3(x / y)));
}

/** Median over rounds of a[i] ÷ b[i] (rounded to 3 decimals); null when a denominator is 0. */
export function medianOfRatios(a: readonly number[], b: readonly number[]): number | null {
  const ratios = ratiosOf(a, b);
  return ratios ? median(ratios) : null;
}

/** Median over rounds of a[i] − b[i]. */
export function medianOfDifferences(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x - (b[i] ?? NaN)));
}

function pairwise(
  a: readonly number[],
  b: readonly number[],
  f: (x: number, y: number) => number | null,
): number[] | null {
  if (a.length !== b.length) return null;
  const out: number[] = [];
  for (const [i, x] of a.entries()) {
    const v = f(x, b[i] ?? NaN);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

function allNumbers(values: readonly (number | null)[]): number[] | null {
  const out = values.filter((v): v is number => v !== null);
  return out.length === values.length ? out : null;
}

/** A round whose row must not be hidden behind a median: failed requests or a failed auth check. */
function broken(row: ThroughputRun | FixedRateRun): boolean {
  const errors = typeof row.errors === 'number' ? row.errors : row.errors.total;
  return errors > 0 || (row.authCheck?.problems.length ?? 0) > 0;
}

/** Scenario names in the order they first appear, without those that failed in some round. */
function namesOf(rows: readonly { scenario: string }[][], failed: ReadonlySet<string>): string[] {
  const names = new Set(rows.flat().map((r) => r.scenario));
  return [...names].filter((n) => !failed.has(n));
}

function combineThroughput(
  name: string,
  runs: ThroughputRun[],
  floor: ThroughputRun[] | null,
): ThroughputResult {
  const cpuMicros = allNumbers(runs.map((r) => r.proxyCpuMicrosPerRequest));
  const floorCpu = floor ? allNumbers(floor.map((r) => r.proxyCpuMicrosPerRequest)) : null;
  const cpuRatio = cpuMicros && floorCpu ? ratiosOf(cpuMicros, floorCpu) : null;
  const reqPerSec = runs.map((r) => r.reqPerSec);
  const reqPerSecRatio = floor
    ? ratiosOf(
        reqPerSec,
        floor.map((r) => r.reqPerSec),
      )
    : null;
  const brokenRound = runs.findIndex(broken);
  const rankedBy = name === FLOOR ? (cpuMicros ?? reqPerSec) : (cpuRatio ?? reqPerSecRatio ?? reqPerSec);
  const representative = brokenRound >= 0 ? brokenRound : medianIndex(rankedBy);
  const row = runs[representative];
  if (!row) throw new Error(`${name}: no round ${representative + 1}`);
  return {
    ...row,
    ratioVsFloor: reqPerSecRatio ? median(reqPerSecRatio) : null,
    cpuRatioVsFloor: cpuRatio ? median(cpuRatio) : null,
    byRound: {
      representativeRound: representative + 1,
      reqPerSec,
      cpuMicros,
      cpuRatio,
      reqPerSecRatio,
      warnings: runs.map((r) => r.warnings),
    },
  };
}

function combineFixedRate(
  name: string,
  runs: (FixedRateRun | undefined)[],
  floor: (FixedRateRun | undefined)[],
): FixedRateSummary {
  const present = runs.flatMap((r, i) => (r ? [i] : []));
  const p99Ms = runs.map((r) => r?.latencyMs.p99 ?? null);
  const added = (q: 'p99' | 'p999'): (number | null)[] =>
    runs.map((r, i) => {
      const f = floor[i];
      return r && f ? round3(r.latencyMs[q] - f.latencyMs[q]) : null;
    });
  const addedP99Ms = added('p99');
  const addedP999Ms = added('p999');
  const brokenRound = present.find((i) => {
    const r = runs[i];
    return r !== undefined && broken(r);
  });
  const representative =
    brokenRound ?? present[medianIndex(present.map((i) => runs[i]?.latencyMs.p99 ?? NaN))] ?? -1;
  const row = runs[representative];
  if (!row) throw new Error(`${name}: no fixed-rate run in any round`);
  const medianOrNull = (values: (number | null)[]): number | null => {
    const measured = values.filter((v): v is number => v !== null);
    return measured.length === 0 ? null : median(measured);
  };
  return {
    ...row,
    addedP99Ms: medianOrNull(addedP99Ms),
    addedP999Ms: medianOrNull(addedP999Ms),
    byRound: {
      representativeRound: representative + 1,
      p99Ms,
      addedP99Ms,
      addedP999Ms,
      warnings: runs.map((r) => r?.warnings ?? []),
    },
  };
}

/**
 * One row per scenario from every round's rows. A scenario that is missing from a round
 * without having failed in it (which `runAll` does not do) is reported as failed too.
 */
export function combineRounds(rounds: readonly RoundResult[]): CombinedRounds {
  const failures = rounds.flatMap((r) => r.failures);
  const failed = new Set(failures.map((f) => f.scenario));
  const names = namesOf(
    rounds.map((r) => r.throughput),
    failed,
  );
  for (const name of names)
    for (const [i, r] of rounds.entries())
      if (!r.throughput.some((t) => t.scenario === name)) {
        failures.push({ scenario: name, round: i + 1, error: 'not measured in this round' });
        failed.add(name);
      }
  const runsOf = (name: string): ThroughputRun[] =>
    rounds.flatMap((r) => r.throughput.filter((t) => t.scenario === name));
  const floor = failed.has(FLOOR) ? null : runsOf(FLOOR);
  const throughput = names
    .filter((name) => !failed.has(name))
    .map((name) => combineThroughput(name, runsOf(name), floor));
  const fixedOf = (name: string): (FixedRateRun | undefined)[] =>
    rounds.map((r) => r.fixedRate.find((f) => f.scenario === name));
  const floorFixed = floor ? fixedOf(FLOOR) : rounds.map(() => undefined);
  const fixedRate = namesOf(
    rounds.map((r) => r.fixedRate),
    failed,
  ).map((name) => combineFixedRate(name, fixedOf(name), floorFixed));
  return { throughput, fixedRate, failures };
}
