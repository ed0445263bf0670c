/**
 * Before a proxy is measured: every process of it (a node:cluster primary and its
 * workers, or the one process) must be node itself, allowed on exactly the cores asked
 * for, and there must be as many as the scenario runs; otherwise the CPU readings would
 * be someone else's, or incomplete.
 */
import { realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { allowedCpus, executableOf } from '../measure/proc.js';
import { parseCpuList, processTree } from '../measure/process-tree.js';
import type { PinnedChild } from '../process/children.js';
import type { Scenario } from '../scenario-types.js';

/** Workers fork after the primary starts; the first answers /readyz before the last is up. */
const WORKERS_TIMEOUT_MS = 30_000;

/** The cores the benchmark itself may use: "every core" for an unpinned proxy. */
export function allCores(): number[] {
  return parseCpuList(allowedCpus(process.pid));
}

/** The cores the scenario's proxy runs on: `--proxy-cpu`, or every core. */
export function proxyCores(scenario: Scenario, proxyCpu: number): number[] {
  return scenario.cores === 'all' ? allCores() : [proxyCpu];
}

/** Processes of a running proxy: one, or a primary and `workers` workers. */
export function expectedProcesses(scenario: Scenario): number {
  const workers = scenario.workers ?? 1;
  return workers > 1 ? workers + 1 : 1;
}

/** Waits until the proxy's process tree has the expected size, then checks every process in it. */
export async function verifyProxyProcesses(
  child: PinnedChild,
  scenario: Scenario,
  cores: readonly number[],
): Promise<void> {
  const expected = expectedProcesses(scenario);
  const deadline = performance.now() + WORKERS_TIMEOUT_MS;
  let tree = processTree(child.pid);
  while (tree.length < expected && performance.now() < deadline) {
    await sleep(100);
    tree = processTree(child.pid);
  }
  if (tree.length !== expected)
    throw new Error(
      `${child.name}: ${tree.length} processes (pids ${tree.map((s) => s.pid).join(', ')}), expected ${expected}`,
    );
  const node = realpathSync(process.execPath);
  for (const { pid } of tree) {
    const exe = executableOf(pid);
    if (exe !== node)
      throw new Error(`${child.name}: pid ${pid} runs ${exe}, not node: CPU readings would be wrong`);
    const allowed = allowedCpus(pid);
    if (parseCpuList(allowed).join(',') !== cores.join(','))
      throw new Error(`${child.name}: pid ${pid} may run on CPUs ${allowed}, expected ${cores.join(',')}`);
  }
}
