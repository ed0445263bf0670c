/** Command-line options of `npm run bench`. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Interleaved rounds of the whole scenario list; the report shows medians over them. */
  readonly rounds: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  /** Scenario names to run (undefined: all). */
  readonly only: readonly string[] | undefined;
  readonly fixedRate: boolean;
  readonly fixedRateSec: number;
  readonly fixedRateWarmupSec: number;
  /** req/s of every fixed-rate run (undefined: half the floor's peak). */
  readonly fixedRateReqPerSec: number | undefined;
  readonly proxyCpu: number;
  readonly loadCpu: number;
  readonly quick: boolean;
  /** Use the Node upstream even when nginx is installed. */
  readonly nodeUpstream: boolean;
  readonly list: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --duration <s>      measured seconds per scenario (default 10; whole seconds)
  --warmup <s>        discarded warm-up run before each measurement (default 2)
  --connections <n>   wrk connections (default 50, one wrk thread)
  --only <a,b,...>    run only these scenarios (the undici floor is added for ratios)
  --rounds <n>        run the whole list n times, round after round (floor, A, B, floor, A, B, ...);
                      the report shows medians of per-round ratios to the floor (default 1)
  --quick             smoke test: 2 s runs, 1 s warm-up, 1 s fixed-rate runs
  --no-fixed-rate     skip the fixed-rate latency runs
  --fixed-rate-duration <s>  measured seconds of each fixed-rate run (default: --duration)
  --fixed-rate <req/s>  rate of every fixed-rate run, e.g. half of gatehouse-public-10's
                      peak from an earlier run (default: half the floor's peak in this run)
  --proxy-cpu <n>     core for the proxy (default 0)
  --load-cpu <n>      core for wrk, the fixed-rate client and the upstream (default 1)
  --node-upstream     use the Node fallback upstream even when nginx is installed
  --list              list the scenarios and exit
  --help              this text`;

function positiveInteger(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-fixed-rate': { type: 'boolean', default: false },
      'fixed-rate-duration': { type: 'string' },
      'fixed-rate': { type: 'string' },
      'proxy-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      'node-upstream': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const durationSec = positiveInteger('duration', values.duration, quick ? 2 : 10);
  const proxyCpu = positiveInteger('proxy-cpu', values['proxy-cpu'], 0, 0);
  const loadCpu = positiveInteger('load-cpu', values['load-cpu'], 1, 0);
  if (proxyCpu === loadCpu) throw new Error('--proxy-cpu and --load-cpu must be different cores');
  return {
    rounds: positiveInteger('rounds', values.rounds, 1),
    durationSec,
    warmupSec: positiveInteger('warmup', values.warmup, quick ? 1 : 2, 0),
    connections: positiveInteger('connections', values.connections, 50),
    only: values.only
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    fixedRate: !values['no-fixed-rate'],
    fixedRateSec: positiveInteger(
      'fixed-rate-duration',
      values['fixed-rate-duration'],
      quick ? 1 : durationSec,
    ),
    fixedRateWarmupSec: quick ? 0.5 : 1,
    fixedRateReqPerSec:
      values['fixed-rate'] === undefined ? undefined : positiveInteger('fixed-rate', values['fixed-rate'], 1),
    proxyCpu,
    loadCpu,
    quick,
    nodeUpstream: values['node-upstream'],
    list: values.list,
    help: values.help,
  };
}
