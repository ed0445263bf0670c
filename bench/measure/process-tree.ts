/**
 * A process and its descendants (a node:cluster primary and its workers), found by
 * scanning /proc/<pid>/stat for parent pids (/proc/<pid>/task/<tid>/children needs a
 * kernel option this machine may lack), and their CPU time read together.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface StatFields {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime in clock ticks (every thread of the process). */
  readonly cpuTicks: number;
  /** Start time since boot in clock ticks: tells a reused pid from the process it was. */
  readonly startTicks: number;
}

/** The fields of one /proc/<pid>/stat line; the command name may contain spaces and parentheses. */
export function parseStat(line: string): StatFields {
  const close = line.lastIndexOf(')');
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // fields[0] is field 3 (state): ppid is field 4, utime/stime 14/15, starttime 22.
  const fields = line.slice(close + 2).split(' ');
  const stat = {
    pid,
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    startTicks: Number(fields[19]),
  };
  if (close < 0 || Object.values(stat).some((v) => !Number.isFinite(v)))
    throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`);
  return stat;
}

/** Every pid below `root` (children, their children, …) in a pid → parent pid map, sorted. */
export function descendantsOf(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of childrenOf.get(pid) ?? []) {
      if (child === root || found.includes(child)) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found.sort((a, b) => a - b);
}

/** /proc/<pid>/stat of one process; undefined once it has exited. */
export function readStat(pid: number): StatFields | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** pid → parent pid of every process on the machine now. */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) parents.set(stat.pid, stat.ppid);
  }
  return parents;
}

/** `root` and every process below it, as they are now: root first, then by pid. */
export function processTree(root: number): StatFields[] {
  return [root, ...descendantsOf(root, parentPids())]
    .map(readStat)
    .filter((s): s is StatFields => s !== undefined);
}

export interface TreeCpu {
  /** utime + stime summed over the processes of the snapshot, in ticks, between the two readings. */
  readonly cpuTicks: number;
  /** The most any one of those processes used, in ticks: a saturated event loop shows here. */
  readonly busiestTicks: number;
  /** Processes of the snapshot that exited (or whose pid was reused) and processes below the root that appeared. */
  readonly changes: string[];
}

/**
 * CPU used between `before` (a processTree snapshot) and `after` (the same root, read
 * again): the sum over the very processes of the snapshot. A process that exited took its
 * CPU time with it, and one that appeared was not counted, so both are reported as changes.
 */
export function treeCpuBetween(before: readonly StatFields[], after: readonly StatFields[]): TreeCpu {
  const now = new Map(after.map((s) => [s.pid, s]));
  let cpuTicks = 0;
  let busiestTicks = 0;
  const changes: string[] = [];
  for (const old of before) {
    const current = now.get(old.pid);
    if (!current || current.startTicks !== old.startTicks) changes.push(`pid ${old.pid} exited`);
    else {
      const used = current.cpuTicks - old.cpuTicks;
      cpuTicks += used;
      busiestTicks = Math.max(busiestTicks, used);
    }
  }
  const known = new Set(before.map((s) => `${s.pid}/${s.startTicks}`));
  for (const s of after) if (!known.has(`${s.pid}/${s.startTicks}`)) changes.push(`pid ${s.pid} started`);
  return { cpuTicks, busiestTicks, changes };
}

/** The cores a kernel CPU list names ("0-2,5" → [0, 1, 2, 5]), sorted. */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.trim().split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match?.[1]) throw new Error(`not a CPU list: "${list}"`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}
