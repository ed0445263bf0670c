/** One scenario: start its proxy, check a request gets through, warm up, measure, stop. */
import { checkAuthRun } from './auth/checks.js';
import { countersBetween, readSettledAuthCounters, type AuthCounters } from './auth/metrics.js';
import { runFixedRate } from './load/fixed-rate.js';
import { prepareLoad, type PreparedLoad } from './load/prepare-load.js';
import { runH2load } from './load/h2load.js';
import { runWrk, type WrkResult, type WrkRun } from './load/wrk.js';
import { CpuWindow } from './measure/cpu-window.js';
import { runtimeWindow } from './measure/runtime-metrics.js';
import type { BenchOptions } from './options.js';
import { preflight, type Getter } from './preflight.js';
import { httpGet } from './process/net.js';
import { h2Get, httpsGet } from './process/tls-get.js';
import type { ProxyCache } from './proxies/proxy-cache.js';
import type { RunningProxy } from './proxies/start-proxy.js';
import type { AuthCheck, FixedRateRun, ThroughputRun } from './results.js';
import type { Scenario, ScenarioContext } from './scenario-types.js';
import { summarizeFixedRate, summarizeThroughput } from './summarize.js';

export interface ScenarioOutcome {
  readonly throughput: ThroughputRun;
  readonly fixedRate: FixedRateRun | undefined;
}

/** The fixed rate to measure at, given this scenario's throughput result; undefined for none. */
export type FixedRateChoice = (throughput: ThroughputRun) => number | undefined;

export interface ScenarioEnvironment {
  readonly ctx: ScenarioContext;
  readonly upstreamPid: number;
  readonly options: BenchOptions;
}

interface Measurement {
  readonly scenario: Scenario;
  readonly load: PreparedLoad;
  readonly proxy: RunningProxy;
  readonly reused: boolean;
  readonly env: ScenarioEnvironment;
}

/**
 * Auth scenarios: reads Gatehouse's auth counters once they have settled; the returned
 * function reads them again, settled, after the run and checks them against the requests
 * the client got answers to. Both reads happen outside the CPU window.
 */
async function authCounters(m: Measurement): Promise<(served: number) => Promise<AuthCheck | null>> {
  const { auth } = m.scenario;
  const adminUrl = m.proxy.adminUrl;
  if (!auth) return () => Promise.resolve(null);
  if (adminUrl === undefined) throw new Error(`${m.scenario.name}: an auth scenario needs Gatehouse`);
  const before: AuthCounters = await readSettledAuthCounters(adminUrl);
  return async (served) =>
    checkAuthRun(
      auth,
      countersBetween(before, await readSettledAuthCounters(adminUrl)),
      served,
      m.env.options.connections,
    );
}

function cpuWindow(m: Measurement): CpuWindow {
  const { options, upstreamPid } = m.env;
  return new CpuWindow({
    proxyPid: m.proxy.process?.pid,
    upstreamPid,
    proxyCpu: options.proxyCpu,
    loadCpu: options.loadCpu,
  });
}

/** The closed-loop load: h2load for HTTP/2, wrk otherwise (https URLs for TLS). */
function closedLoop(m: Measurement, run: WrkRun): Promise<WrkResult> {
  if (m.scenario.transport === 'h2') return runH2load(m.load, m.proxy.url, run, m.env.ctx.workDir);
  return runWrk(m.load, m.proxy.url, run);
}

/** The preflight's requests go over the scenario's transport, trusting the run's certificate. */
function preflightGetter(scenario: Scenario, caPem: string | undefined): Getter {
  const transport = scenario.transport ?? 'http';
  if (transport === 'http') return httpGet;
  if (caPem === undefined) throw new Error(`${scenario.name}: a TLS scenario without a certificate`);
  const get = transport === 'h2' ? h2Get : httpsGet;
  return (url, headers) => get(url, headers, caPem);
}

async function measureThroughput(m: Measurement): Promise<ThroughputRun> {
  const { options } = m.env;
  const run = { cpu: options.loadCpu, connections: options.connections };
  if (options.warmupSec > 0) await closedLoop(m, { ...run, durationSec: options.warmupSec });
  const authCheck = await authCounters(m);
  const window = cpuWindow(m);
  const wrk = await closedLoop(m, { ...run, durationSec: options.durationSec });
  const cpu = window.end();
  return summarizeThroughput(m.scenario, wrk, cpu, {
    hasProxy: m.proxy.process !== undefined,
    startupMs: m.reused ? 0 : m.proxy.startupMs,
    reusedProcess: m.reused,
    authCheck: await authCheck(wrk.requests),
  });
}

async function measureFixedRate(m: Measurement, rate: number): Promise<FixedRateRun> {
  const { options, ctx } = m.env;
  const run = {
    cpu: options.loadCpu,
    rate,
    warmupSec: options.fixedRateWarmupSec,
    durationSec: options.fixedRateSec,
    connections: options.connections,
  };
  const authCheck = await authCounters(m);
  const adminUrl = m.proxy.adminUrl;
  const runtime = adminUrl === undefined ? undefined : await runtimeWindow(adminUrl);
  const window = cpuWindow(m);
  const result = await runFixedRate(m.load, m.proxy.url, run, ctx.workDir, m.scenario.name);
  const cpu = window.end();
  const stats = runtime ? await runtime() : null;
  return summarizeFixedRate(m.scenario, rate, result, cpu, await authCheck(result.sentTotal), stats);
}

/**
 * Runs one scenario on a proxy from `proxies` (started, or kept from the previous
 * scenario); when `fixedRateFor` names a rate (req/s), a fixed-rate run follows the
 * throughput run. A failed scenario stops its proxy.
 */
export async function runScenario(
  scenario: Scenario,
  env: ScenarioEnvironment,
  proxies: ProxyCache,
  fixedRateFor: FixedRateChoice,
): Promise<ScenarioOutcome> {
  const load = await prepareLoad(await scenario.load(env.ctx), env.ctx.workDir, scenario.name);
  const { proxy, reused } = await proxies.acquire(scenario);
  try {
    const m: Measurement = { scenario, load, proxy, reused, env };
    await preflight(load, proxy.url, scenario.auth, preflightGetter(scenario, proxy.tlsCaPem));
    const throughput = await measureThroughput(m);
    const rate = fixedRateFor(throughput);
    return { throughput, fixedRate: rate === undefined ? undefined : await measureFixedRate(m, rate) };
  } catch (err) {
    await proxies.release();
    throw err;
  }
}
