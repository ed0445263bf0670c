/** The console report: throughput table, fixed-rate table, target checks, caveats. */
import type { BenchReport } from '../results.js';
import { FLOOR } from '../scenarios.js';
import { fixed, formatTable, thousands } from './table.js';

function ratio(value: number | null, floor: number | null): string {
  return value === null || floor === null || floor === 0 ? '-' : `${(value / floor).toFixed(2)}x`;
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}`;
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
  const floorCpu = report.throughput.find((r) => r.scenario === FLOOR)?.proxyCpuMicrosPerRequest ?? null;
  const rows = report.throughput.map((r) => [
    r.scenario,
    thousands(r.reqPerSec),
    fixed(r.latencyMs.p50, 2),
    fixed(r.latencyMs.p99, 2),
    fixed(r.proxyCpuMicrosPerRequest, 1),
    ratio(r.proxyCpuMicrosPerRequest, floorCpu),
    r.proxyCpuShare === null ? '-' : `${(r.proxyCpuShare * 100).toFixed(0)}%`,
    r.ratioVsFloor === null ? '-' : `${r.ratioVsFloor.toFixed(2)}x`,
    r.errors.total > 0 ? `${r.errors.total} !!` : '0',
  ]);
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
  const floor = report.fixedRate.find((r) => r.scenario === FLOOR);
  const rows = report.fixedRate.map((r) => [
    r.scenario,
    thousands(r.rate),
    fixed(r.latencyMs.p50, 3),
    fixed(r.latencyMs.p90, 3),
    fixed(r.latencyMs.p99, 3),
    fixed(r.latencyMs.p999, 3),
    r.addedP99Ms === null ? '-' : `${r.addedP99Ms >= 0 ? '+' : ''}${r.addedP99Ms.toFixed(3)}`,
    floor ? signed(r.latencyMs.p999 - floor.latencyMs.p999) : '-',
    fixed(r.proxyCpuMicrosPerRequest, 1),
    r.runtime ? `${fixed(r.runtime.loopDelayMaxMs, 1)}/${fixed(r.runtime.loopDelayP99Ms, 1)}` : '-',
    r.runtime ? `${fixed(r.runtime.gcMs, 1)} (${r.runtime.gcCount}, ${r.runtime.gcMajorCount})` : '-',
    r.errors > 0 ? `${r.errors} !!` : '0',
  ]);
  return formatTable(header, rows);
}

/** The public scenario the auth scenarios mirror (same deployments, same logging): their CPU difference is the auth cost. */
const AUTH_BASELINE = 'gatehouse-public-10';

function authTable(report: BenchReport): string | undefined {
  const baseline = report.throughput.find((r) => r.scenario === AUTH_BASELINE)?.proxyCpuMicrosPerRequest;
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
      const cpu = r.proxyCpuMicrosPerRequest;
      const extraCpu =
        run === 'throughput' && cpu !== null && baseline !== undefined && baseline !== null
          ? `${cpu - baseline >= 0 ? '+' : ''}${(cpu - baseline).toFixed(1)} µs/req`
          : '-';
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
  for (const r of [...report.throughput, ...report.fixedRate])
    for (const w of r.warnings) lines.push(`  ! ${r.scenario}${'rate' in r ? ' (fixed rate)' : ''}: ${w}`);
  for (const f of report.failures) lines.push(`  !! ${f.scenario} FAILED: ${f.error}`);
  return lines;
}

export function printReport(report: BenchReport, resultsPath: string): void {
  const s = report.settings;
  const out: string[] = [
    '',
    `Throughput: ${s.loadGenerator}, 1 thread, ${s.connections} connections, ${s.durationSec} s after a ${s.warmupSec} s warm-up; ` +
      `proxy on core ${s.proxyCpu}, ${s.loadGenerator} and ${s.upstream} upstream on core ${s.loadCpu}`,
    throughputTable(report),
    '',
  ];
  if (report.fixedRate.length > 0)
    out.push(
      `Latency at a fixed rate of half the ${FLOOR} peak (open loop, measured from the scheduled send time), ${s.fixedRateSec} s`,
      fixedRateTable(report),
      '',
    );
  const auth = authTable(report);
  if (auth !== undefined)
    out.push(
      'Auth checks: gatehouse_auth_outcomes_total and gatehouse_token_cache_lookups_total{cache="jwt"} from ' +
        '/metrics over each measured run, against the requests the client saw answered',
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
