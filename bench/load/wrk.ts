/** Runs wrk (one thread, pinned) for a request shape and parses the JSON line its script prints. */
import { z } from 'zod';
import { runPinned } from '../process/children.js';
import type { PreparedLoad } from './prepare-load.js';
import { RESULT_MARKER } from './wrk-script.js';

export const WRK_BINARY = 'wrk';

const wrkResultSchema = z.object({
  requests: z.number(),
  durationUs: z.number(),
  bytes: z.number(),
  errors: z.object({
    connect: z.number(),
    read: z.number(),
    write: z.number(),
    status: z.number(),
    timeout: z.number(),
  }),
  latencyUs: z.object({
    p50: z.number(),
    p90: z.number(),
    p99: z.number(),
    max: z.number(),
    mean: z.number(),
  }),
});

export type WrkResult = z.infer<typeof wrkResultSchema>;

export interface WrkRun {
  readonly cpu: number;
  readonly connections: number;
  readonly durationSec: number;
}

/** One wrk run against `baseUrl` (the proxy or the upstream). */
export async function runWrk(load: PreparedLoad, baseUrl: string, run: WrkRun): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${run.connections}`,
    `-d${run.durationSec}s`,
    '--timeout',
    '5s',
    '-s',
    load.wrkScriptPath,
    baseUrl + load.path,
    '--',
    load.pathsFile ?? '-',
    load.headersFile ?? '-',
    String(load.headerCursor.next),
  ];
  const stdout = await runPinned('wrk', run.cpu, WRK_BINARY, args);
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`wrk printed no result line:\n${stdout}`);
  const result = wrkResultSchema.parse(JSON.parse(line.slice(RESULT_MARKER.length)));
  // wrk counts answered requests; up to one per connection was sent and not answered.
  load.headerCursor.next += result.requests + run.connections;
  return result;
}

/** Every failed request wrk saw: socket errors, timeouts and HTTP statuses above 399. */
export function wrkErrorCount(result: WrkResult): number {
  const e = result.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}
