/** Turns raw load-generator and CPU readings into result rows, with the reasons to distrust them. */
import type { RuntimeStats } from './measure/runtime-metrics.js';
import type { FixedRateResult } from './load/fixed-rate-protocol.js';
import { wrkErrorCount, type WrkResult } from './load/wrk.js';
import type { CpuWindowResult } from './measure/cpu-window.js';
import type { AuthCheck, FixedRateRun, ThroughputRun } from './results.js';
import type { Scenario } from './scenario-types.js';

/** Other processes may use this much of a core before a row is flagged as noisy. */
const NOISE_LIMIT = 0.1;

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
const ms = (micros: number): number => round(micros / 1000, 3);
const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;

function authWarnings(check: AuthCheck | null): string[] {
  return (check?.problems ?? []).map((p) => `AUTH CHECK FAILED: ${p}: this row is not valid`);
}

/**
 * Other processes on the proxy core (undefined: the proxy is not pinned, it shares every
 * core, so there is no core of its own to be noisy) and on the load core.
 */
function noiseWarnings(cores: { proxy: number | undefined; load: number | undefined }): string[] {
  const warnings: string[] = [];
  if (cores.proxy !== undefined && cores.proxy > NOISE_LIMIT)
    warnings.push(`other processes used ${percent(cores.proxy)} of the proxy core`);
  if (cores.load !== undefined && cores.load > NOISE_LIMIT)
    warnings.push(`other processes used ${percent(cores.load)} of the load core`);
  return warnings;
}

/** A proxy process exited or appeared during the window: its CPU sum misses part of the work. */
function processChangeWarnings(cpu: CpuWindowResult): string[] {
  const changes = cpu.proxyProcessChanges;
  return changes.length === 0
    ? []
    : [`proxy processes changed during the run (${changes.join(', ')}): CPU figures are not valid`];
}

/**
 * Was the proxy the bottleneck? Pinned: it used most of its core. Unpinned (every core,
 * shared with wrk and the upstream): one of its processes used most of a core (a
 * saturated event loop), or the whole machine was busy, whoever used it.
 */
function bottleneckWarnings(scenario: Scenario, cpu: CpuWindowResult, proxyShare: number): string[] {
  if (scenario.cores === 'all') {
    const busiest = cpu.proxyBusiestProcessMicros / cpu.wallMicros;
    return busiest < 0.85 && cpu.allCoresBusy < 0.85
      ? [
          `the machine's cores were ${percent(cpu.allCoresBusy)} busy and no proxy process used more than ` +
            `${percent(busiest)} of a core: neither was the bottleneck`,
        ]
      : [];
  }
  return proxyShare < 0.85
    ? [`the proxy used ${percent(proxyShare)} of its core: it was not the bottleneck`]
    : [];
}

/** Other processes' share of the proxy core; undefined when the proxy has no core of its own. */
function proxyCoreNoise(scenario: Scenario, cpu: CpuWindowResult, proxyShare: number): number | undefined {
  return scenario.cores === 'all' ? undefined : cpu.proxyCoreBusy - proxyShare;
}

export function summarizeThroughput(
  scenario: Scenario,
  wrk: WrkResult,
  cpu: CpuWindowResult,
  proxy: {
    readonly hasProxy: boolean;
    readonly startupMs: number;
    readonly reusedProcess: boolean;
    readonly authCheck: AuthCheck | null;
  },
): ThroughputRun {
  const { hasProxy } = proxy;
  const durationSec = wrk.durationUs / 1e6;
  const errors = wrkErrorCount(wrk);
  const proxyShare = cpu.proxyCpuMicros / cpu.wallMicros;
  const warnings: string[] = [];
  if (errors > 0)
    warnings.push(`${errors} failed requests (status > 399 or socket errors): this row is not valid`);
  const cpuValid = hasProxy && cpu.proxyProcessChanges.length === 0;
  if (hasProxy)
    warnings.push(...processChangeWarnings(cpu), ...bottleneckWarnings(scenario, cpu, proxyShare));
  warnings.push(...authWarnings(proxy.authCheck));
  if (hasProxy)
    warnings.push(...noiseWarnings({ proxy: proxyCoreNoise(scenario, cpu, proxyShare), load: undefined }));
  return {
    scenario: scenario.name,
    description: scenario.description,
    proxy: scenario.proxy,
    requests: wrk.requests,
    durationSec: round(durationSec, 3),
    reqPerSec: Math.round(wrk.requests / durationSec),
    latencyMs: {
      p50: ms(wrk.latencyUs.p50),
      p90: ms(wrk.latencyUs.p90),
      p99: ms(wrk.latencyUs.p99),
      max: ms(wrk.latencyUs.max),
    },
    errors: { ...wrk.errors, total: errors },
    proxyCpuMicrosPerRequest:
      cpuValid && wrk.requests > 0 ? round(cpu.proxyCpuMicros / wrk.requests, 1) : null,
    proxyCpuShare: cpuValid ? round(proxyShare, 3) : null,
    upstreamCpuShare: round(cpu.upstreamCpuMicros / cpu.wallMicros, 3),
    proxyCoreBusy: round(cpu.proxyCoreBusy, 3),
    loadCoreBusy: round(cpu.loadCoreBusy, 3),
    startupMs: Math.round(proxy.startupMs),
    reusedProcess: proxy.reusedProcess,
    authCheck: proxy.authCheck,
    warnings,
  };
}

export function summarizeFixedRate(
  scenario: Scenario,
  rate: number,
  result: FixedRateResult,
  cpu: CpuWindowResult,
  authCheck: AuthCheck | null,
  runtime: RuntimeStats | null,
): FixedRateRun {
  const errors = result.non2xx + result.failed;
  const proxyShare = cpu.proxyCpuMicros / cpu.wallMicros;
  const loadShare = (result.clientCpuMicros + cpu.upstreamCpuMicros) / cpu.wallMicros;
  const warnings: string[] = [];
  if (errors > 0) warnings.push(`${errors} failed requests: this row is not valid`);
  warnings.push(...processChangeWarnings(cpu), ...authWarnings(authCheck));
  if (result.achievedRate < rate * 0.95) warnings.push(`achieved ${result.achievedRate} of ${rate} req/s`);
  if (result.sendLagMs.p99 > 2)
    warnings.push(`the client sent late (p99 ${result.sendLagMs.p99} ms behind schedule)`);
  warnings.push(
    ...noiseWarnings({
      proxy: proxyCoreNoise(scenario, cpu, proxyShare),
      // An unpinned proxy also runs on the load core, so the load core's "others" would include it.
      load: scenario.cores === 'all' ? undefined : cpu.loadCoreBusy - loadShare,
    }),
  );
  return {
    scenario: scenario.name,
    rate,
    achievedRate: result.achievedRate,
    latencyMs: result.latencyMs,
    errors,
    proxyCpuMicrosPerRequest:
      result.sentTotal > 0 && cpu.proxyProcessChanges.length === 0
        ? round(cpu.proxyCpuMicros / result.sentTotal, 1)
        : null,
    sendLagP99Ms: result.sendLagMs.p99,
    authCheck,
    runtime,
    proxyCoreBusy: round(cpu.proxyCoreBusy, 3),
    loadCoreBusy: round(cpu.loadCoreBusy, 3),
    warnings,
  };
}
