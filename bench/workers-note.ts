/** The "Every core" note: the worker scenarios side by side, and what their ratio says on this machine. */
import type { ThroughputResult } from './results.js';

export const ONE_WORKER = 'gatehouse-workers-1';
export const TWO_WORKERS = 'gatehouse-workers-2';

function ratio(a: number | null, b: number | null): string {
  return a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(2)}x`;
}

function figures(row: ThroughputResult | undefined): string {
  if (!row) return 'not measured';
  const cpu = row.proxyCpuMicrosPerRequest === null ? '-' : `${row.proxyCpuMicrosPerRequest.toFixed(1)}`;
  const share = row.proxyCpuShare === null ? '-' : `${(row.proxyCpuShare * 100).toFixed(0)}%`;
  return (
    `${row.reqPerSec} req/s, ${cpu} CPU µs/req (all its processes), proxy CPU ${share} of one core, ` +
    `load core ${(row.loadCoreBusy * 100).toFixed(0)}% busy`
  );
}

/** Undefined when neither worker scenario ran. */
export function everyCoreNote(throughput: readonly ThroughputResult[]): string | undefined {
  const one = throughput.find((r) => r.scenario === ONE_WORKER);
  const two = throughput.find((r) => r.scenario === TWO_WORKERS);
  if (!one && !two) return undefined;
  const ratios =
    one && two
      ? `; ${TWO_WORKERS} / ${ONE_WORKER}: req/s ${ratio(two.reqPerSec, one.reqPerSec)}, ` +
        `CPU µs/req ${ratio(two.proxyCpuMicrosPerRequest, one.proxyCpuMicrosPerRequest)}`
      : '';
  return (
    `Every core: the worker scenarios run Gatehouse unpinned on every core (taskset -c <all>, checked for the ` +
    `primary and each worker), sharing the load core with wrk and the upstream; CPU µs/req is utime+stime summed ` +
    `over the primary and its workers (the set taken at the start of the run; a process that exits or appears ` +
    `makes the row invalid). "proxy CPU" is a share of ONE core and may exceed 100%. For these rows the ` +
    `proxy-core noise warning is skipped (there is no proxy core) and "not the bottleneck" means no proxy ` +
    `process used 85% of a core and the whole machine was less than 85% busy. ${ONE_WORKER}: ${figures(one)}; ` +
    `${TWO_WORKERS}: ${figures(two)}${ratios}. On 2 cores with the load generator on one, a second worker can ` +
    `only use what wrk and nginx leave idle of core 1; once both cores are full it competes with them, so the ` +
    `req/s ratio says how idle the load core was, not how workers scale (bench/README.md, "Workers")`
  );
}
