/**
 * CPU accounting from /proc: a process's user+system time (all its threads), its
 * allowed cores, its executable, and per-core busy time for the whole machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc times (`getconf CLK_TCK`, almost always 100). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    clockTicks = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/** utime + stime of the whole process (every thread), in clock ticks. */
export function processCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** The process's CPU time in microseconds. */
export function processCpuMicros(pid: number): number {
  return (processCpuTicks(pid) * 1e6) / clockTicksPerSecond();
}

/** The cores the process may run on, as the kernel lists them ("0", "0-1"). */
export function allowedCpus(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  return line ? line.slice('Cpus_allowed_list:'.length).trim() : '?';
}

/** The executable the process runs (to prove it is node itself, not a wrapper). */
export function executableOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '?';
  }
}

export interface CoreTimes {
  readonly busy: number;
  readonly total: number;
}

/** Busy and total ticks per core since boot, from /proc/stat (index = core number). */
export function coreTimes(): Map<number, CoreTimes> {
  const cores = new Map<number, CoreTimes>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const values = match[2].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    cores.set(Number(match[1]), { busy: total - idle, total });
  }
  return cores;
}

/** Share of a core that was busy between two samples (0..1), whoever used it. */
export function coreBusyShare(
  before: Map<number, CoreTimes>,
  after: Map<number, CoreTimes>,
  core: number,
): number {
  const a = before.get(core);
  const b = after.get(core);
  if (!a || !b || b.total === a.total) return 0;
  return (b.busy - a.busy) / (b.total - a.total);
}
