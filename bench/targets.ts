/**
 * Evaluates the scenarios' targets against the measured results: ratios to the floor (and
 * added latency) are the rows' medians of per-round figures (bench/rounds.ts).
 */
import type { FixedRateSummary, TargetResult, ThroughputResult } from './results.js';
import type { Scenario, TargetSpec } from './scenario-types.js';
import { medianOfRatios } from './rounds.js';
import { FLOOR } from './scenarios.js';

interface Measured {
  readonly throughput: ReadonlyMap<string, ThroughputResult>;
  readonly fixedRate: ReadonlyMap<string, FixedRateSummary>;
}

type Row = ThroughputResult | FixedRateSummary;

function failedRequests(row: Row): number {
  return typeof row.errors === 'number' ? row.errors : row.errors.total;
}

/** An auth scenario whose counters do not show the auth path measured as stated. */
function authCheckFailed(row: Row): boolean {
  return (row.authCheck?.problems.length ?? 0) > 0;
}

/**
 * SKIP when a row is missing, INVALID when requests or an auth check failed, else PASS or FAIL;
 * `trusted` is false when a row carries warnings (noisy machine, proxy not saturated).
 */
function verdict<A extends Row, B extends Row>(
  scenario: string,
  label: string,
  own: A | undefined,
  reference: B | undefined,
  decide: (own: A, reference: B) => { pass: boolean; detail: string },
): TargetResult {
  if (!own || !reference) return { scenario, label, status: 'SKIP', detail: 'not measured', trusted: true };
  if (failedRequests(own) > 0 || failedRequests(reference) > 0)
    return { scenario, label, status: 'INVALID', detail: 'requests failed', trusted: false };
  if (authCheckFailed(own) || authCheckFailed(reference))
    return { scenario, label, status: 'INVALID', detail: 'auth check failed', trusted: false };
  const { pass, detail } = decide(own, reference);
  const trusted = own.warnings.length === 0 && reference.warnings.length === 0;
  return { scenario, label, status: pass ? 'PASS' : 'FAIL', detail, trusted };
}

/** `median of 0.97/1.04/1.12 by round; ` (round order) with more than one round, else nothing. */
function byRound(values: readonly (number | null)[] | null, digits: number): string {
  if (!values || values.length < 2) return '';
  return `median of ${values.map((v) => (v === null ? '-' : v.toFixed(digits))).join('/')} by round; `;
}

/** Fixed-rate p99 (or p99.9) minus the floor's at the same rate. */
function addedLatency(
  scenario: string,
  own: ThroughputResult | undefined,
  m: Measured,
  maxMs: number,
  quantile: 'p99' | 'p999',
): TargetResult {
  const name = quantile === 'p99' ? 'p99' : 'p99.9';
  const label = `${scenario}: added ${name} < ${maxMs} ms at the fixed rate`;
  const floorFixed = m.fixedRate.get(FLOOR);
  if (!m.fixedRate.has(scenario) && own && floorFixed && own.reqPerSec < floorFixed.rate)
    return {
      scenario,
      label,
      status: 'FAIL',
      detail:
        `not measured: ${floorFixed.rate} req/s is above this scenario's own peak of ${own.reqPerSec} req/s, ` +
        'where latency grows without bound',
      trusted: own.warnings.length === 0 && floorFixed.warnings.length === 0,
    };
  return verdict(scenario, label, m.fixedRate.get(scenario), floorFixed, (a, b) => {
    const added = quantile === 'p99' ? a.addedP99Ms : a.addedP999Ms;
    if (added === null) return { pass: false, detail: 'no round with a fixed-rate run of both' };
    const rounds = byRound(quantile === 'p99' ? a.byRound.addedP99Ms : a.byRound.addedP999Ms, 3);
    let detail =
      `${added >= 0 ? '+' : ''}${added.toFixed(3)} ms (${rounds}${name} ${a.latencyMs[quantile]} vs ` +
      `${b.latencyMs[quantile]} ms at ${a.rate} req/s)`;
    const load = own ? a.rate / own.reqPerSec : 0;
    if (load > 0.8) detail += `; that rate is ${(load * 100).toFixed(0)}% of this scenario's own peak`;
    return { pass: added < maxMs, detail };
  });
}

function evaluate(scenario: string, spec: TargetSpec, m: Measured): TargetResult {
  const own = m.throughput.get(scenario);
  switch (spec.kind) {
    case 'min-ratio-vs-floor':
      return verdict(
        scenario,
        `${scenario}: req/s >= ${spec.min}x ${FLOOR}`,
        own,
        m.throughput.get(FLOOR),
        (a, b) => {
          const ratio = a.ratioVsFloor;
          return {
            pass: ratio !== null && ratio >= spec.min,
            detail: `${ratio?.toFixed(2) ?? '-'}x (${byRound(a.byRound.reqPerSecRatio, 2)}${a.reqPerSec} vs ${b.reqPerSec} req/s)`,
          };
        },
      );
    case 'flat-vs': {
      const label = `${scenario}: req/s within ${(spec.tolerance * 100).toFixed(0)}% of ${spec.of}`;
      return verdict(scenario, label, own, m.throughput.get(spec.of), (a, b) => {
        // Per round, against the other scenario measured in the same round.
        const ratio = medianOfRatios(a.byRound.reqPerSec, b.byRound.reqPerSec);
        const cpu = `CPU ${a.proxyCpuMicrosPerRequest ?? '-'} vs ${b.proxyCpuMicrosPerRequest ?? '-'} µs/req`;
        const rounds =
          a.byRound.reqPerSec.length > 1 ? `median of ${a.byRound.reqPerSec.length} rounds; ` : '';
        return {
          pass: ratio !== null && ratio >= 1 - spec.tolerance,
          detail: `${ratio?.toFixed(2) ?? '-'}x (${rounds}${a.reqPerSec} vs ${b.reqPerSec} req/s; ${cpu})`,
        };
      });
    }
    case 'max-cpu-ratio-vs-floor':
      return verdict(
        scenario,
        `${scenario}: CPU µs/req <= ${spec.max}x ${FLOOR}`,
        own,
        m.throughput.get(FLOOR),
        (a, b) => {
          const ratio = a.cpuRatioVsFloor;
          return {
            pass: ratio !== null && ratio <= spec.max,
            detail: `${ratio?.toFixed(2) ?? '-'}x (${byRound(a.byRound.cpuRatio, 2)}${a.proxyCpuMicrosPerRequest ?? '-'} vs ${b.proxyCpuMicrosPerRequest ?? '-'} µs/req)`,
          };
        },
      );
    case 'max-added-p99':
      return addedLatency(scenario, own, m, spec.maxMs, 'p99');
    case 'max-added-p999':
      return addedLatency(scenario, own, m, spec.maxMs, 'p999');
  }
}

export function evaluateTargets(
  scenarios: readonly Scenario[],
  throughput: readonly ThroughputResult[],
  fixedRate: readonly FixedRateSummary[],
): TargetResult[] {
  const measured: Measured = {
    throughput: new Map(throughput.map((r) => [r.scenario, r])),
    fixedRate: new Map(fixedRate.map((r) => [r.scenario, r])),
  };
  return scenarios.flatMap((s) => (s.targets ?? []).map((spec) => evaluate(s.name, spec, measured)));
}
