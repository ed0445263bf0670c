/**
 * `--rounds N`: how N interleaved rounds become one row per scenario (bench/rounds.ts) and
 * what the targets then judge (bench/targets.ts), on hand-built per-round rows: the median
 * element for odd and even counts, medians of per-round ratios where the ratio of medians
 * would say otherwise, a broken round that must not hide behind the median, and failures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthCheck, FixedRateRun, RoundResult, ThroughputRun } from '../../bench/results.js';
import { combineRounds, median, medianIndex } from '../../bench/rounds.js';
import type { Scenario, TargetSpec } from '../../bench/scenario-types.js';
import { FLOOR } from '../../bench/scenarios.js';
import { evaluateTargets } from '../../bench/targets.js';

function throughputRun(
  scenario: string,
  reqPerSec: number,
  cpuMicros: number | null,
  extra: { errors?: number; authCheck?: AuthCheck | null } = {},
): ThroughputRun {
  const errors = extra.errors ?? 0;
  return {
    scenario,
    description: scenario,
    proxy: scenario === 'direct' ? 'none' : 'gatehouse',
    requests: reqPerSec * 10,
    durationSec: 10,
    reqPerSec,
    latencyMs: { p50: 5, p90: 6, p99: 8, max: 20 },
    errors: { connect: 0, read: 0, write: 0, status: errors, timeout: 0, total: errors },
    proxyCpuMicrosPerRequest: cpuMicros,
    proxyCpuShare: cpuMicros === null ? null : 0.99,
    upstreamCpuShare: 0.3,
    proxyCoreBusy: 1,
    loadCoreBusy: 1,
    startupMs: 100,
    reusedProcess: false,
    authCheck: extra.authCheck ?? null,
    warnings: [`${scenario} at ${reqPerSec} req/s`],
  };
}

function fixedRun(scenario: string, p99: number, p999: number): FixedRateRun {
  return {
    scenario,
    rate: 5000,
    achievedRate: 5000,
    latencyMs: { p50: 0.5, p90: 0.8, p99, p999, max: p999 + 1 },
    errors: 0,
    proxyCpuMicrosPerRequest: 40,
    sendLagP99Ms: 1,
    authCheck: null,
    runtime: null,
    proxyCoreBusy: 0.5,
    loadCoreBusy: 0.5,
    warnings: [],
  };
}

function round(
  throughput: ThroughputRun[],
  fixedRate: FixedRateRun[] = [],
  failures: RoundResult['failures'] = [],
) {
  return { throughput, fixedRate, failures };
}

function scenario(name: string, targets: TargetSpec[]): Scenario {
  return {
    name,
    description: name,
    proxy: 'gatehouse',
    load: () => ({ paths: ['/'] }),
    fixedRate: true,
    targets,
  };
}

const cleanCheck: AuthCheck = { served: 100, allowed: 100, refused: 0, jwtCache: null, problems: [] };

describe('bench rounds', () => {
  it('picks the median element: the middle one for an odd count, the lower middle one for an even count', () => {
    assert.equal(medianIndex([3, 1, 2]), 2);
    assert.equal(medianIndex([1.12, 0.97, 1.04]), 2);
    assert.equal(medianIndex([1.2, 1.1]), 1, 'even count of 2: the lower value');
    assert.equal(medianIndex([1.3, 1.0, 1.2, 1.1]), 3, 'even count of 4: 1.1, not 1.2 nor their mean');
    assert.equal(median([1.3, 1.0, 1.2, 1.1]), 1.1);
    assert.equal(medianIndex([7]), 0);
    assert.equal(medianIndex([2, 5, 2]), 2, 'equal values keep round order: the second 2 is the middle one');
    assert.throws(() => medianIndex([]));
  });

  it('uses the median of per-round CPU and req/s ratios, not the ratio of medians', () => {
    // Floor CPU 10/20/10 µs, A 11/21/14 µs: per-round ratios 1.1/1.05/1.4, median 1.1 (round 1).
    // The ratio of medians would be 14 / 10 = 1.4.
    const combined = combineRounds([
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11)]),
      round([throughputRun(FLOOR, 5000, 20), throughputRun('A', 4000, 21)]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 6000, 14)]),
    ]);
    const [floor, a] = combined.throughput;
    assert.equal(floor?.scenario, FLOOR);
    assert.equal(
      floor?.byRound.representativeRound,
      3,
      'floor: its median CPU µs/req, the second 10 (round 3)',
    );
    assert.equal(floor?.cpuRatioVsFloor, 1);
    assert.equal(a?.scenario, 'A');
    assert.deepEqual(a?.byRound.cpuRatio, [1.1, 1.05, 1.4]);
    assert.equal(a?.cpuRatioVsFloor, 1.1);
    assert.deepEqual(a?.byRound.reqPerSecRatio, [0.9, 0.8, 0.6]);
    assert.equal(
      a?.ratioVsFloor,
      0.8,
      'median of 0.9/0.8/0.6; the ratio of medians would be 6000/10000 = 0.6',
    );
    // The row's own fields are those of the representative round, the median-CPU-ratio one.
    assert.equal(a?.byRound.representativeRound, 1);
    assert.equal(a?.proxyCpuMicrosPerRequest, 11);
    assert.equal(a?.reqPerSec, 9000);
    assert.deepEqual(a?.warnings, ['A at 9000 req/s']);
    assert.deepEqual(a?.byRound.cpuMicros, [11, 21, 14]);
    assert.deepEqual(a?.byRound.reqPerSec, [9000, 4000, 6000]);
    assert.deepEqual(combined.failures, []);

    const targets = evaluateTargets(
      [
        scenario(FLOOR, []),
        scenario('A', [
          { kind: 'max-cpu-ratio-vs-floor', max: 1.2 },
          { kind: 'min-ratio-vs-floor', min: 0.75 },
        ]),
      ],
      combined.throughput,
      combined.fixedRate,
    );
    assert.deepEqual(
      targets.map((t) => t.status),
      ['PASS', 'PASS'],
      'a ratio of medians (1.4x CPU, 0.6x req/s) would fail both',
    );
    assert.match(targets[0]?.detail ?? '', /^1\.10x \(median of 1\.10\/1\.05\/1\.40 by round; /);
  });

  it('with an even count takes the lower of the two middle ratios as the representative round', () => {
    const combined = combineRounds([
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 13)]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 10)]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 12)]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11)]),
    ]);
    const a = combined.throughput.find((r) => r.scenario === 'A');
    assert.equal(a?.cpuRatioVsFloor, 1.1);
    assert.equal(a?.byRound.representativeRound, 4);
    assert.equal(a?.proxyCpuMicrosPerRequest, 11);
  });

  it('ranks a row without CPU figure (direct) by its req/s ratio', () => {
    const combined = combineRounds([
      round([throughputRun('direct', 30000, null), throughputRun(FLOOR, 10000, 10)]),
      round([throughputRun('direct', 20000, null), throughputRun(FLOOR, 10000, 10)]),
      round([throughputRun('direct', 25000, null), throughputRun(FLOOR, 10000, 10)]),
    ]);
    const direct = combined.throughput[0];
    assert.equal(direct?.scenario, 'direct', 'rows keep the order of the rounds');
    assert.equal(direct?.cpuRatioVsFloor, null);
    assert.equal(direct?.byRound.cpuMicros, null);
    assert.equal(direct?.ratioVsFloor, 2.5);
    assert.equal(direct?.byRound.representativeRound, 3);
  });

  it('lets a round with a failed auth check or failed requests represent the row, whatever the median', () => {
    const failedCheck: AuthCheck = { ...cleanCheck, refused: 3, problems: ['3 requests refused'] };
    const combined = combineRounds([
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11, { authCheck: cleanCheck })]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 12, { authCheck: cleanCheck })]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 13, { authCheck: failedCheck })]),
    ]);
    const a = combined.throughput.find((r) => r.scenario === 'A');
    assert.equal(a?.byRound.representativeRound, 3);
    assert.deepEqual(a?.authCheck?.problems, ['3 requests refused']);
    assert.equal(a?.cpuRatioVsFloor, 1.2, 'the ratio is still the median over rounds');
    const [target] = evaluateTargets(
      [scenario('A', [{ kind: 'max-cpu-ratio-vs-floor', max: 1.5 }])],
      combined.throughput,
      combined.fixedRate,
    );
    assert.equal(target?.status, 'INVALID');

    const withErrors = combineRounds([
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11, { errors: 4 })]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 12)]),
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 13)]),
    ]);
    assert.equal(withErrors.throughput.find((r) => r.scenario === 'A')?.errors.total, 4);
  });

  it('reports a scenario that failed in any round as failed and leaves its other rounds out', () => {
    const combined = combineRounds([
      round(
        [throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11), throughputRun('B', 8000, 12)],
        [fixedRun(FLOOR, 1, 2), fixedRun('A', 1.5, 3)],
      ),
      round(
        [throughputRun(FLOOR, 10000, 10), throughputRun('B', 8000, 12)],
        [fixedRun(FLOOR, 1, 2)],
        [{ scenario: 'A', round: 2, error: 'preflight: 502' }],
      ),
      round(
        [throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11), throughputRun('B', 8000, 12)],
        [fixedRun(FLOOR, 1, 2), fixedRun('A', 1.5, 3)],
      ),
    ]);
    assert.deepEqual(
      combined.throughput.map((r) => r.scenario),
      [FLOOR, 'B'],
    );
    assert.deepEqual(
      combined.fixedRate.map((r) => r.scenario),
      [FLOOR],
    );
    assert.deepEqual(combined.failures, [{ scenario: 'A', round: 2, error: 'preflight: 502' }]);
    const [target] = evaluateTargets(
      [scenario('A', [{ kind: 'max-cpu-ratio-vs-floor', max: 1.5 }])],
      combined.throughput,
      combined.fixedRate,
    );
    assert.equal(target?.status, 'SKIP');
  });

  it('gives no ratios when the floor failed in a round', () => {
    const combined = combineRounds([
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11)]),
      round([throughputRun('A', 9000, 11)], [], [{ scenario: FLOOR, round: 2, error: 'crashed' }]),
    ]);
    assert.deepEqual(
      combined.throughput.map((r) => [r.scenario, r.cpuRatioVsFloor, r.ratioVsFloor]),
      [['A', null, null]],
    );
  });

  it('reports a scenario missing from a round without a failure as failed in that round', () => {
    const combined = combineRounds([
      round([throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11)]),
      round([throughputRun(FLOOR, 10000, 10)]),
    ]);
    assert.deepEqual(
      combined.throughput.map((r) => r.scenario),
      [FLOOR],
    );
    assert.deepEqual(combined.failures, [{ scenario: 'A', round: 2, error: 'not measured in this round' }]);
  });

  it('takes added p99 and p99.9 as medians of per-round differences to the same round floor', () => {
    // Floor p99 1/2/1 ms, A 1.5/2.2/3.0 ms: added 0.5/0.2/2.0, median 0.5; the difference of
    // medians would be 2.2 - 1 = 1.2. The same figures for p99.9 (floor 4/8/4, A 4.5/8.2/6;
    // difference of medians 6 - 4 = 2). Representative: A's median p99, 2.2 (round 2).
    const t = [throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11)];
    const combined = combineRounds([
      round(t, [fixedRun(FLOOR, 1, 4), fixedRun('A', 1.5, 4.5)]),
      round(t, [fixedRun(FLOOR, 2, 8), fixedRun('A', 2.2, 8.2)]),
      round(t, [fixedRun(FLOOR, 1, 4), fixedRun('A', 3, 6)]),
    ]);
    const a = combined.fixedRate.find((r) => r.scenario === 'A');
    assert.deepEqual(a?.byRound.addedP99Ms, [0.5, 0.2, 2]);
    assert.equal(a?.addedP99Ms, 0.5);
    assert.deepEqual(a?.byRound.addedP999Ms, [0.5, 0.2, 2]);
    assert.equal(a?.addedP999Ms, 0.5);
    assert.equal(a?.byRound.representativeRound, 2);
    assert.equal(a?.latencyMs.p99, 2.2);
    const floor = combined.fixedRate.find((r) => r.scenario === FLOOR);
    assert.deepEqual(floor?.byRound.addedP99Ms, [0, 0, 0]);

    const targets = evaluateTargets(
      [
        scenario('A', [
          { kind: 'max-added-p99', maxMs: 1 },
          { kind: 'max-added-p999', maxMs: 1 },
        ]),
      ],
      combined.throughput,
      combined.fixedRate,
    );
    assert.deepEqual(
      targets.map((x) => x.status),
      ['PASS', 'PASS'],
      'differences of medians (1.2 ms, 2 ms) would fail both',
    );
  });

  it('leaves a round without a fixed-rate run out of the fixed-rate medians', () => {
    const t = [throughputRun(FLOOR, 10000, 10), throughputRun('A', 9000, 11)];
    const combined = combineRounds([
      round(t, [fixedRun(FLOOR, 1, 2), fixedRun('A', 1.4, 2)]),
      round(t, [fixedRun(FLOOR, 1, 2)]),
      round(t, [fixedRun(FLOOR, 1, 2), fixedRun('A', 1.2, 2)]),
    ]);
    const a = combined.fixedRate.find((r) => r.scenario === 'A');
    assert.deepEqual(a?.byRound.p99Ms, [1.4, null, 1.2]);
    assert.deepEqual(a?.byRound.addedP99Ms, [0.4, null, 0.2]);
    assert.equal(a?.addedP99Ms, 0.2, 'lower middle of two');
    assert.equal(a?.byRound.representativeRound, 3);
  });
});
