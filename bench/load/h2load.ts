/**
 * Runs h2load (nghttp2-client; one thread, pinned) for a request shape over HTTP/2 and
 * returns the same result shape as wrk: requests and failures from its summary, latency
 * percentiles computed from its per-request log (`--log-file`: start, status, µs until
 * the end of the response), so the h2 row has p50/p90/p99/max like the wrk rows.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runPinned } from '../process/children.js';
import type { PreparedLoad } from './prepare-load.js';
import type { WrkResult, WrkRun } from './wrk.js';

export const H2LOAD_BINARY = 'h2load';

/**
 * Streams per connection. `connections / H2_STREAMS` connections each keep this many
 * streams open: the same requests in flight as wrk's connections (50 by default), so
 * queueing, and thus latency, compares with the HTTP/1.1 rows, while the connections
 * really multiplex.
 */
export const H2_STREAMS = 10;

/** Printed (and noted) instead of an HTTP/2 row when h2load is not installed: a skip, not a failure. */
export const H2LOAD_MISSING =
  'h2load not found (apt-get install -y nghttp2-client): gatehouse-public-h2 skipped, no HTTP/2 row in this run';

export function h2loadAvailable(): boolean {
  return spawnSync(H2LOAD_BINARY, ['--version'], { stdio: 'ignore' }).error === undefined;
}

function count(stdout: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(stdout);
  if (!match?.[1]) throw new Error(`h2load printed no ${what}:\n${stdout}`);
  return Number(match[1]);
}

const UNIT_US: Record<string, number> = { s: 1e6, ms: 1e3, us: 1 };

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** The µs of each request in an h2load log (tab-separated: start µs, status, duration µs). */
async function durationsOf(logFile: string): Promise<number[]> {
  const lines = (await readFile(logFile, 'utf8')).split('\n');
  const durations = lines.filter((l) => l !== '').map((l) => Number(l.split('\t')[2]));
  return durations.filter((d) => Number.isFinite(d)).sort((a, b) => a - b);
}

/** Parses h2load's summary; throws unless it spoke h2. */
export function parseH2loadSummary(stdout: string): Omit<WrkResult, 'latencyUs'> {
  if (!/^Application protocol: h2$/m.test(stdout))
    throw new Error(`h2load did not negotiate h2 (ALPN):\n${stdout}`);
  const finished = /finished in ([\d.]+)(s|ms|us),/.exec(stdout);
  if (!finished?.[1] || !finished[2]) throw new Error(`h2load printed no duration:\n${stdout}`);
  const failed = count(stdout, /(\d+) failed/, 'failed count');
  const timeout = count(stdout, /(\d+) timeout/, 'timeout count');
  const status = count(stdout, /(\d+) 4xx/, '4xx count') + count(stdout, /(\d+) 5xx/, '5xx count');
  return {
    // "succeeded" counts 2xx/3xx answers only; wrk's "requests" counts every answer.
    requests: count(stdout, /(\d+) succeeded/, 'request counts') + status,
    durationUs: Number(finished[1]) * (UNIT_US[finished[2]] ?? 1),
    bytes: count(stdout, /traffic: [\d.]+\w*B \((\d+)\) total/, 'traffic'),
    errors: {
      connect: 0,
      // "failed" counts answers of status >= 400 and streams that ended without one
      // (refused, reset, connection lost, timed out; seen with nghttp2 1.52): the
      // latter only here, so nothing counts twice.
      read: Math.max(0, failed - status - timeout),
      write: 0,
      status,
      timeout,
    },
  };
}

/** One h2load run against `baseUrl` (https): one path, fixed headers. */
export async function runH2load(
  load: PreparedLoad,
  baseUrl: string,
  run: WrkRun,
  workDir: string,
): Promise<WrkResult> {
  if (load.pathsFile !== undefined || load.headersFile !== undefined)
    throw new Error('h2load runs send one path with fixed headers: no paths or headers file');
  const clients = Math.max(1, Math.round(run.connections / H2_STREAMS));
  const logFile = join(workDir, `h2load-${process.pid}.log`);
  const headers = Object.entries(load.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = ['-t1', `-c${clients}`, `-m${H2_STREAMS}`, `-D${run.durationSec}`, '--log-file', logFile];
  const stdout = await runPinned('h2load', run.cpu, H2LOAD_BINARY, [
    ...args,
    ...headers,
    baseUrl + load.path,
  ]);
  try {
    const summary = parseH2loadSummary(stdout);
    const d = await durationsOf(logFile);
    const mean = d.length === 0 ? 0 : d.reduce((a, b) => a + b, 0) / d.length;
    const latencyUs = {
      p50: percentile(d, 50),
      p90: percentile(d, 90),
      p99: percentile(d, 99),
      max: d[d.length - 1] ?? 0,
      mean,
    };
    return { ...summary, latencyUs };
  } finally {
    await rm(logFile, { force: true });
  }
}
