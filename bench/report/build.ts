/** Assembles the report (rounds combined into medians, targets, notes) and writes bench/results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { benchNotes } from '../notes.js';
import type { BenchOptions } from '../options.js';
import { REPO_ROOT } from '../paths.js';
import type { BenchReport, RoundResult } from '../results.js';
import { combineRounds } from '../rounds.js';
import type { Scenario } from '../scenario-types.js';
import { evaluateTargets } from '../targets.js';

export interface RunFacts {
  readonly startedAt: string;
  readonly loadAverage: readonly number[];
  readonly upstream: 'nginx' | 'node';
}

export function buildReport(
  scenarios: readonly Scenario[],
  options: BenchOptions,
  facts: RunFacts,
  rounds: readonly RoundResult[],
): BenchReport {
  const measured = combineRounds(rounds);
  const settings: BenchReport['settings'] = {
    rounds: rounds.length,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    connections: options.connections,
    fixedRateSec: options.fixedRateSec,
    proxyCpu: options.proxyCpu,
    loadCpu: options.loadCpu,
    upstream: facts.upstream,
    loadGenerator: scenarios.some((sc) => sc.transport === 'h2') ? 'wrk/h2load' : 'wrk',
  };
  return {
    startedAt: facts.startedAt,
    machine: {
      cpuModel: cpus()[0]?.model ?? '?',
      cores: cpus().length,
      node: process.version,
      kernel: release(),
      loadAverageAtStart: facts.loadAverage,
    },
    settings,
    ...measured,
    targets: evaluateTargets(scenarios, measured.throughput, measured.fixedRate),
    notes: benchNotes(settings, facts.loadAverage, scenarios, measured.throughput),
  };
}

/**
 * Writes the report as JSON, formatted by the project's Prettier settings so that
 * `prettier --check .` stays clean (it does not read bench/.gitignore); returns the path.
 */
export async function writeReport(report: BenchReport): Promise<string> {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'latest.json');
  const options = await resolveConfig(path);
  writeFileSync(path, await format(JSON.stringify(report), { ...options, filepath: path }));
  return path;
}

/**
 * A run with failed requests, failed auth checks, failed scenarios or a proxy row without
 * a CPU figure (no requests, or a proxy process exited or appeared mid-run) measured
 * nothing trustworthy.
 */
export function isBroken(report: BenchReport): boolean {
  const authFailed = (r: { authCheck: { problems: string[] } | null }): boolean =>
    (r.authCheck?.problems.length ?? 0) > 0;
  const cpuMissing = (r: BenchReport['throughput'][number]): boolean =>
    r.proxy !== 'none' && r.proxyCpuMicrosPerRequest === null;
  return (
    report.failures.length > 0 ||
    report.throughput.some((r) => r.errors.total > 0 || authFailed(r) || cpuMissing(r)) ||
    report.fixedRate.some((r) => r.errors > 0 || authFailed(r))
  );
}
