/** The console report: throughput table, fixed-rate table, target checks, caveats. */
import type { BenchReport } from '../results.js';
import { FLOOR } from '../scenarios.js';
import { medianOfDifferences } from '../rounds.js';
import { fixed, formatTable, thousands } from './table.js';

function times(ratio: number | null): string {
  return ratio === null ? '-' : `${ratio.toFixed(2)}x`;
}

function signed(ms: number | null): string {
  return ms === null ? '-' : `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}`;
}

/** Per-round figures in round order, e.g. `0.97/1.04/1.12`. */
function byRound(values: readonly (number | null)[] | null, show: (v: number | null) => string): string {
  return values === null ? '-' : values.map(show).join('/');
}

/** The line under a table title when the rows are medians over rounds. */
function roundsLine(report: BenchReport): string[] {
  const n = report.settings.rounds;
  return n > 1
    ? [
        `median of ${n} rounds (lower middle value for an even count; each row's other fields are those of one round, ` +
          `its "rep." round; "by round" in round order)`,
      ]
    : [];
}

function throughputTable(report: BenchReport): string {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'CPU x floor',
    'proxy CPU',
    'req/s x floor',
    'errors',
  ];
  const rounds = report.settings.rounds > 1;
  if (rounds) header.splice(6, 0, 'CPU x floor by round', 'rep.');
  const rows = report.throughput.map((r) => {
    const row = [
      r.scenario,
      thousands(r.reqPerSec),
      fixed(r.latencyMs.p50, 2),
      fixed(r.latencyMs.p99, 2),
      fixed(r.proxyCpuMicrosPerRequest, 1),
      times(r.cpuRatioVsFloor),
      r.proxyCpuShare === null ? '-' : `${(r.proxyCpuShare * 100).toFixed(0)}%`,
      times(r.ratioVsFloor),
      r.errors.total > 0 ? `${r.errors.total} !!` : '0',
    ];
    if (rounds)
      row.splice(
        6,
        0,
        byRound(r.byRound.cpuRatio, (v) => fixed(v, 2)),
        String(r.byRound.representativeRound),
      );
    return row;
  });
  return formatTable(header, rows);
}

function fixedRateTable(report: BenchReport): string {
  const header = [
    'scenario',
    'rate',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'p99.9 ms',
    'added p99',
    'added p99.9',
    'CPU µs/req',
    'loop delay max/p99 ms',
    'GC ms (n, major)',
    'errors',
  ];
  const rounds = report.settings.rounds > 1;
  if (rounds) header.splice(8, 0, 'added p99 by round', 'rep.');
  const rows = report.fixedRate.map((r) => {
    const row = [
      r.scenario,
      thousands(r.rate),
      fixed(r.latencyMs.p50, 3),
      fixed(r.latencyMs.p90, 3),
      fixed(r.latencyMs.p99, 3),
      fixed(r.latencyMs.p999, 3),
      signed(r.addedP99Ms),
      signed(r.addedP999Ms),
      fixed(r.proxyCpuMicrosPerRequest, 1),
      r.runtime ? `${fixed(r.runtime.loopDelayMaxMs, 1)}/${fixed(r.runtime.loopDelayP99Ms, 1)}` : '-',
      r.runtime ? `${fixed(r.runtime.gcMs, 1)} (${r.runtime.gcCount}, ${r.runtime.gcMajorCount})` : '-',
      r.errors > 0 ? `${r.errors} !!` : '0',
    ];
    if (rounds)
      row.splice(8, 0, byRound(r.byRound.addedP99Ms, signed), String(r.byRound.representativeRound));
    return row;
  });
  return formatTable(header, rows);
}

/** The public scenario the auth scenarios mirror (same deployments, same logging): their CPU difference is the auth cost. */
const AUTH_BASELINE = 'gatehouse-public-10';

function authTable(report: BenchReport): string | undefined {
  // Per round, against the baseline measured in the same round; the median of those.
  const baseline = report.throughput.find((r) => r.scenario === AUTH_BASELINE)?.byRound.cpuMicros;
  const header = [
    'scenario',
    'run',
    'served',
    'allowed',
    'refused',
    'JWT cache hit/miss',
    'hit ratio',
    `CPU vs ${AUTH_BASELINE}`,
    'check',
  ];
  const rows: string[][] = [];
  for (const [run, rowsOfRun] of [
    ['throughput', report.throughput],
    ['fixed rate', report.fixedRate],
  ] as const)
    for (const r of rowsOfRun) {
      const check = r.authCheck;
      if (!check) continue;
      const cpu = 'rate' in r ? null : r.byRound.cpuMicros;
      const extra = cpu && baseline ? medianOfDifferences(cpu, baseline) : null;
      const extraCpu = extra === null ? '-' : `${extra >= 0 ? '+' : ''}${extra.toFixed(1)} µs/req`;
      rows.push([
        r.scenario,
        run,
        thousands(check.served),
        thousands(check.allowed),
        String(check.refused),
        check.jwtCache ? `${thousands(check.jwtCache.hits)}/${thousands(check.jwtCache.misses)}` : '-',
        check.jwtCache ? check.jwtCache.hitRatio.toFixed(4) : '-',
        extraCpu,
        check.problems.length === 0 ? 'ok' : 'FAILED !!',
      ]);
    }
  return rows.length === 0 ? undefined : formatTable(header, rows);
}

function warnings(report: BenchReport): string[] {
  const lines: string[] = [];
  const rounds = report.settings.rounds > 1;
  for (const r of [...report.throughput, ...report.fixedRate]) {
    const where = [
      ...('rate' in r ? ['fixed rate'] : []),
      ...(rounds ? [`round ${r.byRound.representativeRound}`] : []),
    ];
    const label = where.length > 0 ? `${r.scenario} (${where.join(', ')})` : r.scenario;
    for (const w of r.warnings) lines.push(`  ! ${label}: ${w}`);
  }
  for (const f of report.failures)
    lines.push(`  !! ${f.scenario} FAILED${rounds ? ` in round ${f.round}` : ''}: ${f.error}`);
  return lines;
}

export function printReport(report: BenchReport, resultsPath: string): void {
  const s = report.settings;
  const out: string[] = [
    '',
    `Throughput: ${s.loadGenerator}, 1 thread, ${s.connections} connections, ${s.durationSec} s after a ${s.warmupSec} s warm-up; ` +
      `proxy on core ${s.proxyCpu}, ${s.loadGenerator} and ${s.upstream} upstream on core ${s.loadCpu}`,
    ...roundsLine(report),
    throughputTable(report),
    '',
  ];
  if (report.fixedRate.length > 0)
    out.push(
      `Latency at a fixed rate of half the ${FLOOR} peak${s.rounds > 1 ? ' of round 1, the same rate in every round' : ''} ` +
        `(open loop, measured from the scheduled send time), ${s.fixedRateSec} s`,
      ...roundsLine(report),
      fixedRateTable(report),
      '',
    );
  const auth = authTable(report);
  if (auth !== undefined)
    out.push(
      'Auth checks: gatehouse_auth_outcomes_total and gatehouse_token_cache_lookups_total{cache="jwt"} from ' +
        '/metrics over each measured run, against the requests the client saw answered',
      ...(s.rounds > 1
        ? [
            `rows of the representative round; every round's check must pass; CPU: median of per-round differences`,
          ]
        : []),
      auth,
      '',
    );
  const problems = warnings(report);
  if (problems.length > 0) out.push('Warnings:', ...problems, '');
  out.push('Targets:');
  for (const t of report.targets)
    out.push(`  ${(t.trusted ? t.status : `${t.status}*`).padEnd(8)} ${t.label}: ${t.detail}`);
  if (report.targets.some((t) => !t.trusted))
    out.push('  * measured with warnings (see above): not a verdict until rerun on a quiet machine');
  out.push('', 'Notes:', ...report.notes.map((n) => `  - ${n}`), '', `Results written to ${resultsPath}`);
  console.log(out.join('\n'));
}
