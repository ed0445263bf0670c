/** Runs the fixed-rate client in its own process, pinned to the load core. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchScript } from '../paths.js';
import { runPinned } from '../process/children.js';
import {
  FIXED_RATE_MARKER,
  fixedRateResultSchema,
  type FixedRateJob,
  type FixedRateResult,
} from './fixed-rate-protocol.js';
import type { PreparedLoad } from './prepare-load.js';

export interface FixedRateRun {
  readonly cpu: number;
  readonly rate: number;
  readonly warmupSec: number;
  readonly durationSec: number;
  readonly connections: number;
}

export async function runFixedRate(
  load: PreparedLoad,
  origin: string,
  run: FixedRateRun,
  dir: string,
  name: string,
): Promise<FixedRateResult> {
  const job: FixedRateJob = {
    origin,
    path: load.path,
    ...(load.pathsFile ? { pathsFile: load.pathsFile } : {}),
    ...(load.headersFile ? { headersFile: load.headersFile } : {}),
    firstHeaderLine: load.headerCursor.next,
    headers: { ...load.headers },
    rate: run.rate,
    warmupSec: run.warmupSec,
    durationSec: run.durationSec,
    connections: run.connections,
  };
  const jobPath = join(dir, `${name}.fixed-rate.json`);
  await writeFile(jobPath, JSON.stringify(job));
  const stdout = await runPinned('fixed-rate client', run.cpu, process.execPath, [
    benchScript('load/fixed-rate-client.js'),
    jobPath,
  ]);
  const line = stdout.split('\n').find((l) => l.startsWith(FIXED_RATE_MARKER));
  if (!line) throw new Error(`the fixed-rate client printed no result:\n${stdout}`);
  const result = fixedRateResultSchema.parse(JSON.parse(line.slice(FIXED_RATE_MARKER.length)));
  load.headerCursor.next += result.sentTotal;
  return result;
}
