/**
 * `npm run bench:paired`: each scenario's CPU per request against the floor's, measured
 * in pairs of short slices close together in time, instead of minutes apart.
 *
 * Why: on a shared VM the core's speed drifts by tens of percent within a minute (the same
 * floor cost 37 to 73 µs/req in runs minutes apart; one scenario's per-round ratio went
 * 0.74, 1.19, 1.52 in one `--rounds 3` run), which swamps a 10 % target when the floor and
 * the scenario are measured one after the other as `npm run bench` does. Here both
 * proxies are started and warmed, then measured in alternating slices of a few seconds,
 * each slice's order reversed from the one before (floor-own, own-floor, ...) so a steady
 * drift cancels; the figure is the median of the per-pair ratios.
 *
 * The floor is sent the scenario's own requests (the same Authorization or X-API-Key
 * header, the same distinct token per request), which it passes through: the ratio is
 * then what Gatehouse's work costs, not also the parsing and forwarding of the longer
 * request. `--plain-floor` sends it `npm run bench`'s plain requests instead.
 *
 * `--together` instead runs both at the same moment, pinned to the same core, each with
 * half the connections: the same drift for both, but they share the core's caches and
 * each runs at half its peak, which penalises the larger program (Gatehouse) more than
 * the twenty-line floor. Throughput and latency are not reported here, only CPU.
 *
 *   npm run bench:paired -- --only gatehouse-public-10,gatehouse-jwt-hs256-cold [--pairs 9] [--slice 3]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareAuthMaterial } from './auth/material.js';
import { prepareLoad, type PreparedLoad } from './load/prepare-load.js';
import { runFixedRate } from './load/fixed-rate.js';
import { runWrk, type WrkResult } from './load/wrk.js';
import { CpuWindow } from './measure/cpu-window.js';
import { REPO_ROOT } from './paths.js';
import { preflight } from './preflight.js';
import { runBench } from './process/bench-main.js';
import { startProxy, type RunningProxy } from './proxies/start-proxy.js';
import { stopBenchRedis } from './redis.js';
import { median } from './rounds.js';
import type { Scenario, ScenarioContext } from './scenario-types.js';
import { FLOOR, SCENARIOS } from './scenarios.js';
import { startUpstream } from './upstream/start-upstream.js';

interface Options {
  readonly only: readonly string[] | undefined;
  /** Both proxies under load at once on one core, instead of alternating slices. */
  readonly together: boolean;
  /** The floor gets its own plain requests, not the scenario's (credential headers and all). */
  readonly plainFloor: boolean;
  readonly slices: number;
  readonly sliceSec: number;
  readonly warmupSec: number;
  /** wrk connections per proxy. */
  readonly connections: number;
  readonly proxyCpu: number;
  readonly loadCpu: number;
  /** Fixed-rate pairs at half the scenario's own peak (0: none). */
  readonly latencyPairs: number;
  readonly latencySec: number;
}

const USAGE = `Usage: npm run bench:paired -- [--only a,b] [--pairs n] [--slice s] [--warmup s] [--connections n] [--together]

  --only <a,b>       scenarios (default: every single-process HTTP/1.1 Gatehouse scenario)
  --pairs <n>        measured pairs (floor slice + own slice) per scenario; the median ratio is reported (default 9)
  --slice <s>        seconds per slice (default 3)
  --warmup <s>       each proxy under load before the first pair (default 3)
  --connections <n>  wrk connections (default 50, as in npm run bench; --together: per proxy, default 25)
  --together         both proxies at the same moment on the proxy core (see the file's comment)
  --latency-pairs <n>  fixed-rate pairs (floor, own) at half the scenario's own peak, open loop;
                     the added p99 / p99.9 are medians of per-pair differences (default 3, 0: none)
  --latency-sec <s>  measured seconds of each fixed-rate run (default 10, after 1 s of warm-up)
  --plain-floor      the floor gets npm run bench's plain requests instead of the scenario's own
                     (by default it gets the same requests, credential headers included, and passes them through)`;

function parse(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      only: { type: 'string' },
      pairs: { type: 'string', default: '9' },
      slice: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string' },
      together: { type: 'boolean', default: false },
      'plain-floor': { type: 'boolean', default: false },
      'latency-pairs': { type: 'string', default: '3' },
      'latency-sec': { type: 'string', default: '10' },
      'proxy-cpu': { type: 'string', default: '0' },
      'load-cpu': { type: 'string', default: '1' },
    },
  });
  const whole = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}`);
    return n;
  };
  const proxyCpu = whole('proxy-cpu', values['proxy-cpu'], 0);
  const loadCpu = whole('load-cpu', values['load-cpu'], 0);
  if (proxyCpu === loadCpu) throw new Error('--proxy-cpu and --load-cpu must be different cores');
  return {
    only: values.only?.split(',').filter((s) => s !== ''),
    together: values.together,
    plainFloor: values['plain-floor'],
    latencyPairs: whole('latency-pairs', values['latency-pairs'], 0),
    latencySec: whole('latency-sec', values['latency-sec'], 1),
    slices: whole('pairs', values.pairs, 1),
    sliceSec: whole('slice', values.slice, 1),
    warmupSec: whole('warmup', values.warmup, 0),
    connections: whole('connections', values.connections ?? (values.together ? '25' : '50'), 1),
    proxyCpu,
    loadCpu,
  };
}

/** What can share a core with the floor: one Gatehouse process, plain HTTP/1.1, pinned. */
function eligible(s: Scenario): boolean {
  return (
    s.proxy === 'gatehouse' &&
    (s.transport ?? 'http') === 'http' &&
    s.workers === undefined &&
    s.cores !== 'all'
  );
}

function select(only: readonly string[] | undefined): Scenario[] {
  const candidates = SCENARIOS.filter(eligible);
  if (!only) return candidates;
  const unknown = only.filter((name) => !candidates.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(
      `not a scenario for bench:paired: ${unknown.join(', ')}; these are: ${candidates.map((s) => s.name).join(', ')}`,
    );
  return candidates.filter((s) => only.includes(s.name));
}

interface Side {
  readonly scenario: Scenario;
  readonly load: PreparedLoad;
  readonly proxy: RunningProxy;
}

/** A proxy started, checked and ready; `traffic`: whose requests it gets (default its own). */
async function side(
  scenario: Scenario,
  ctx: ScenarioContext,
  cpu: number,
  traffic = scenario,
): Promise<Side> {
  const load = await prepareLoad(
    await traffic.load(ctx),
    ctx.workDir,
    `${scenario.name}-paired-${traffic.name}`,
  );
  const proxy = await startProxy(scenario, ctx, cpu);
  await preflight(load, proxy.url, scenario.auth);
  return { scenario, load, proxy };
}

export interface SliceFigures {
  readonly floorMicros: number;
  readonly ownMicros: number;
  readonly ratio: number;
  /** The scenario's closed-loop rate in this slice (alone on its core; undefined with --together). */
  readonly ownReqPerSec?: number;
}

/** Fixed-rate latency of one proxy: p99 and p99.9 in ms. */
interface Tail {
  readonly p99: number;
  readonly p999: number;
}

async function fixedRate(s: Side, ctx: ScenarioContext, options: Options, rate: number): Promise<Tail> {
  const result = await runFixedRate(
    s.load,
    s.proxy.url,
    {
      cpu: options.loadCpu,
      rate,
      warmupSec: 1,
      durationSec: options.latencySec,
      connections: options.connections,
    },
    ctx.workDir,
    `${s.scenario.name}-paired`,
  );
  const unanswered = result.failed + result.non2xx;
  if (unanswered > 0)
    throw new Error(`${unanswered} failed requests at ${rate} req/s: the latency is not valid`);
  return { p99: result.latencyMs.p99, p999: result.latencyMs.p999 };
}

export interface LatencyFigures {
  /** Half the scenario's own closed-loop peak (median over its CPU slices). */
  readonly rate: number;
  readonly floor: readonly Tail[];
  readonly own: readonly Tail[];
  /** Medians of the per-pair differences own − floor, ms. */
  readonly addedP99: number;
  readonly addedP999: number;
}

/** Runs the floor's and the scenario's measurement one after the other (`ownFirst`: the scenario's first). */
async function inTurn<T>(ownFirst: boolean, floor: () => Promise<T>, own: () => Promise<T>): Promise<[T, T]> {
  if (ownFirst) {
    const ownResult = await own();
    return [await floor(), ownResult];
  }
  const floorResult = await floor();
  return [floorResult, await own()];
}

/** Fixed-rate pairs at `rate`, the order reversed every pair. */
async function latencyPairs(
  floor: Side,
  own: Side,
  ctx: ScenarioContext,
  options: Options,
  rate: number,
): Promise<LatencyFigures> {
  const floorTails: Tail[] = [];
  const ownTails: Tail[] = [];
  for (let i = 0; i < options.latencyPairs; i++) {
    const [floorTail, ownTail] = await inTurn(
      i % 2 === 1,
      () => fixedRate(floor, ctx, options, rate),
      () => fixedRate(own, ctx, options, rate),
    );
    floorTails.push(floorTail);
    ownTails.push(ownTail);
  }
  const added = (k: keyof Tail): number => median(ownTails.map((t, i) => t[k] - (floorTails[i] as Tail)[k]));
  return { rate, floor: floorTails, own: ownTails, addedP99: added('p99'), addedP999: added('p999') };
}

function perRequest(cpuMicros: number, wrk: WrkResult): number {
  if (wrk.requests === 0) throw new Error('a slice served no request');
  const errors = Object.values(wrk.errors).reduce((a, b) => a + b, 0);
  if (errors > 0) throw new Error(`${errors} failed requests in a slice: the figures are not valid`);
  return cpuMicros / wrk.requests;
}

/** One proxy alone under load for a slice: CPU µs per request. */
interface Alone {
  readonly micros: number;
  readonly reqPerSec: number;
}

async function alone(s: Side, options: Options, durationSec: number, upstreamPid: number): Promise<Alone> {
  const window = new CpuWindow({
    proxyPid: s.proxy.process?.pid,
    upstreamPid,
    proxyCpu: options.proxyCpu,
    loadCpu: options.loadCpu,
  });
  const wrk = await runWrk(s.load, s.proxy.url, {
    cpu: options.loadCpu,
    connections: options.connections,
    durationSec,
  });
  return {
    micros: perRequest(window.end().proxyCpuMicros, wrk),
    reqPerSec: wrk.requests / (wrk.durationUs / 1e6),
  };
}

/** One pair of slices, one proxy after the other; `ownFirst` reverses the order. */
async function pair(
  floor: Side,
  own: Side,
  options: Options,
  durationSec: number,
  upstreamPid: number,
  ownFirst: boolean,
): Promise<SliceFigures> {
  const [floorRun, ownRun] = await inTurn(
    ownFirst,
    () => alone(floor, options, durationSec, upstreamPid),
    () => alone(own, options, durationSec, upstreamPid),
  );
  return {
    floorMicros: floorRun.micros,
    ownMicros: ownRun.micros,
    ratio: ownRun.micros / floorRun.micros,
    ownReqPerSec: ownRun.reqPerSec,
  };
}

/** One slice of --together: both wrks at once, each proxy's CPU over the same window. */
async function together(
  floor: Side,
  own: Side,
  options: Options,
  durationSec: number,
  upstreamPid: number,
): Promise<SliceFigures> {
  const subjects = (proxy: RunningProxy): ConstructorParameters<typeof CpuWindow>[0] => ({
    proxyPid: proxy.process?.pid,
    upstreamPid,
    proxyCpu: options.proxyCpu,
    loadCpu: options.loadCpu,
  });
  const run = { cpu: options.loadCpu, connections: options.connections, durationSec };
  const windows = [new CpuWindow(subjects(floor.proxy)), new CpuWindow(subjects(own.proxy))] as const;
  const [floorWrk, ownWrk] = await Promise.all([
    runWrk(floor.load, floor.proxy.url, run),
    runWrk(own.load, own.proxy.url, run),
  ]);
  const floorMicros = perRequest(windows[0].end().proxyCpuMicros, floorWrk);
  const ownMicros = perRequest(windows[1].end().proxyCpuMicros, ownWrk);
  return { floorMicros, ownMicros, ratio: ownMicros / floorMicros };
}

export interface SideBySideRow {
  readonly scenario: string;
  readonly floorMicros: number;
  readonly ownMicros: number;
  /** Median of the per-slice ratios. */
  readonly ratio: number;
  readonly byslice: readonly number[];
  readonly target: number | undefined;
  readonly latency: LatencyFigures | undefined;
}

async function measure(
  scenario: Scenario,
  floorScenario: Scenario,
  ctx: ScenarioContext,
  options: Options,
  upstreamPid: number,
): Promise<SideBySideRow> {
  // The floor gets the scenario's requests (Authorization or X-API-Key included) unless
  // --plain-floor: then what it forwards is smaller than what the scenario forwards.
  const floor = await side(
    floorScenario,
    ctx,
    options.proxyCpu,
    options.plainFloor ? floorScenario : scenario,
  );
  try {
    const own = await side(scenario, ctx, options.proxyCpu);
    try {
      const measureOnce = (sec: number, i: number): Promise<SliceFigures> =>
        options.together
          ? together(floor, own, options, sec, upstreamPid)
          : pair(floor, own, options, sec, upstreamPid, i % 2 === 1);
      if (options.warmupSec > 0) await measureOnce(options.warmupSec, 0);
      const slices: SliceFigures[] = [];
      for (let i = 0; i < options.slices; i++) slices.push(await measureOnce(options.sliceSec, i));
      const target = scenario.targets?.find((t) => t.kind === 'max-cpu-ratio-vs-floor');
      const peaks = slices.flatMap((s) => (s.ownReqPerSec === undefined ? [] : [s.ownReqPerSec]));
      const latency =
        options.latencyPairs > 0 && peaks.length > 0 && scenario.fixedRate
          ? await latencyPairs(floor, own, ctx, options, Math.max(1, Math.round(median(peaks) / 2)))
          : undefined;
      return {
        scenario: scenario.name,
        floorMicros: median(slices.map((s) => s.floorMicros)),
        ownMicros: median(slices.map((s) => s.ownMicros)),
        ratio: median(slices.map((s) => s.ratio)),
        byslice: slices.map((s) => s.ratio),
        target: target?.kind === 'max-cpu-ratio-vs-floor' ? target.max : undefined,
        latency,
      };
    } finally {
      await own.proxy.stop();
    }
  } finally {
    await floor.proxy.stop();
  }
}

function printTable(header: readonly string[], lines: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const row = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  console.log(`\n${row(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const l of lines) console.log(row(l));
}

/** PRODUCT / issue #15: added p99 under 1 ms and p99.9 under 5 ms at half the scenario's own peak. */
const MAX_ADDED_P99_MS = 1;
const MAX_ADDED_P999_MS = 5;

function printLatency(rows: readonly SideBySideRow[]): void {
  const measured = rows.filter((r) => r.latency !== undefined);
  if (measured.length === 0) return;
  const ms = (x: number): string => x.toFixed(2);
  const verdict = (added: number, max: number): string => `${added < max ? 'PASS' : 'FAIL'} < ${max} ms`;
  printTable(
    [
      'scenario',
      'rate',
      'floor p99 by pair',
      'own p99 by pair',
      'added p99',
      'added p99.9',
      'p99 target',
      'p99.9 target',
    ],
    measured.map((r) => {
      const l = r.latency as LatencyFigures;
      return [
        r.scenario,
        `${l.rate}/s`,
        l.floor.map((t) => ms(t.p99)).join('/'),
        l.own.map((t) => ms(t.p99)).join('/'),
        `${l.addedP99 >= 0 ? '+' : ''}${ms(l.addedP99)}`,
        `${l.addedP999 >= 0 ? '+' : ''}${ms(l.addedP999)}`,
        verdict(l.addedP99, MAX_ADDED_P99_MS),
        verdict(l.addedP999, MAX_ADDED_P999_MS),
      ];
    }),
  );
  console.log(
    '\nLatency: open-loop fixed-rate runs (bench/load/fixed-rate-client, latency from the scheduled send time) at half the scenario\'s own closed-loop peak measured above, the floor and the scenario in turn at that same rate; "added" = median of the per-pair differences.',
  );
}

function print(rows: readonly SideBySideRow[], options: Options): void {
  const header = [
    'scenario',
    'floor µs/req',
    'own µs/req',
    'CPU x floor',
    options.together ? 'by slice' : 'by pair',
    'target',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.floorMicros.toFixed(1),
    r.ownMicros.toFixed(1),
    `${r.ratio.toFixed(2)}x`,
    r.byslice.map((x) => x.toFixed(2)).join('/'),
    r.target === undefined ? '' : `${r.ratio <= r.target ? 'PASS' : 'FAIL'} <= ${r.target}x`,
  ]);
  printTable(header, lines);
  const how = options.together
    ? `the floor (${FLOOR}) and each scenario ran at the same time, both pinned to core ${options.proxyCpu}, each with its own wrk (${options.connections} connections) on core ${options.loadCpu}; ${options.slices} slices of ${options.sliceSec} s`
    : `the floor (${FLOOR}) and each scenario, both kept running, were measured in ${options.slices} pairs of ${options.sliceSec} s slices (order reversed every pair), pinned to core ${options.proxyCpu}, wrk (${options.connections} connections) and nginx on core ${options.loadCpu}`;
  console.log(
    `\nPaired: ${how}. "CPU x floor" is the median of the per-pair ratios of CPU µs per request (utime+stime of the proxy process from /proc); the floor and own columns are medians too. The floor was sent ${options.plainFloor ? 'plain requests (no credential header)' : "each scenario's own requests (credential headers included), passed through"}.`,
  );
  printLatency(rows);
}

async function main(options: Options, workDir: string): Promise<number> {
  const scenarios = select(options.only);
  const floorScenario = SCENARIOS.find((s) => s.name === FLOOR);
  if (!floorScenario) throw new Error('no floor scenario');
  const upstream = await startUpstream(workDir, options.loadCpu, false);
  const rows: SideBySideRow[] = [];
  const startedAt = new Date().toISOString();
  let failed = false;
  try {
    const auth = await prepareAuthMaterial(upstream.jwksFile, upstream.jwksUrl);
    const ctx: ScenarioContext = { upstreamUrl: upstream.url, workDir, auth };
    for (const scenario of scenarios) {
      console.log(`${scenario.name} paired with ${FLOOR}: ${scenario.description}`);
      try {
        const row = await measure(scenario, floorScenario, ctx, options, upstream.process.pid);
        console.log(`  ${row.ratio.toFixed(2)}x (${row.byslice.map((x) => x.toFixed(2)).join('/')})`);
        rows.push(row);
      } catch (err) {
        failed = true;
        console.log(`  !! ${scenario.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    print(rows, options);
    await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(
      join(REPO_ROOT, 'bench', 'results', 'paired.json'),
      `${JSON.stringify({ startedAt, options, rows }, null, 2)}\n`,
    );
    return failed ? 1 : 0;
  } finally {
    await Promise.all([upstream.process.stop(), stopBenchRedis()]);
  }
}

function start(): void {
  let options: Options;
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  runBench('gatehouse-paired-', (workDir) => main(options, workDir));
}

start();
