/** CPU used by the proxy (with its worker processes), by the upstream and by each core over one measured window. */
import { clockTicksPerSecond, coreBusyShare, coreTimes, processCpuMicros, type CoreTimes } from './proc.js';
import { processTree, treeCpuBetween, type StatFields } from './process-tree.js';

export interface CpuWindowResult {
  /**
   * CPU time (user+system, all threads) of the proxy process and every process below it
   * (a node:cluster primary and its workers), in microseconds; 0 without a proxy.
   */
  readonly proxyCpuMicros: number;
  /** The most CPU any one proxy process used (a saturated event loop: about wallMicros). */
  readonly proxyBusiestProcessMicros: number;
  /** How many processes that sum covers (1 for a single process, 0 without a proxy). */
  readonly proxyProcesses: number;
  /** Proxy processes that exited or appeared during the window: then proxyCpuMicros is not valid. */
  readonly proxyProcessChanges: string[];
  readonly upstreamCpuMicros: number;
  readonly wallMicros: number;
  /** Busy share (0..1) of the proxy core and of the load core, counting every process on them. */
  readonly proxyCoreBusy: number;
  readonly loadCoreBusy: number;
  /** Busy share (0..1) of the whole machine (every core), counting every process. */
  readonly allCoresBusy: number;
}

export interface CpuWindowSubjects {
  readonly proxyPid: number | undefined;
  readonly upstreamPid: number;
  readonly proxyCpu: number;
  readonly loadCpu: number;
}

function allCoresBusyShare(before: Map<number, CoreTimes>, after: Map<number, CoreTimes>): number {
  let busy = 0;
  let total = 0;
  for (const [core, b] of after) {
    const a = before.get(core);
    if (!a) continue;
    busy += b.busy - a.busy;
    total += b.total - a.total;
  }
  return total === 0 ? 0 : busy / total;
}

export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly proxyStart: readonly StatFields[];
  private readonly upstreamStart: number;
  private readonly coresStart: Map<number, CoreTimes> = coreTimes();

  constructor(private readonly subjects: CpuWindowSubjects) {
    this.proxyStart = subjects.proxyPid === undefined ? [] : processTree(subjects.proxyPid);
    this.upstreamStart = processCpuMicros(subjects.upstreamPid);
  }

  end(): CpuWindowResult {
    const { proxyPid } = this.subjects;
    const proxy = treeCpuBetween(this.proxyStart, proxyPid === undefined ? [] : processTree(proxyPid));
    const upstreamEnd = processCpuMicros(this.subjects.upstreamPid);
    const cores = coreTimes();
    return {
      proxyCpuMicros: (proxy.cpuTicks * 1e6) / clockTicksPerSecond(),
      proxyBusiestProcessMicros: (proxy.busiestTicks * 1e6) / clockTicksPerSecond(),
      proxyProcesses: this.proxyStart.length,
      proxyProcessChanges: proxy.changes,
      upstreamCpuMicros: upstreamEnd - this.upstreamStart,
      wallMicros: (performance.now() - this.startedAt) * 1000,
      proxyCoreBusy: coreBusyShare(this.coresStart, cores, this.subjects.proxyCpu),
      loadCoreBusy: coreBusyShare(this.coresStart, cores, this.subjects.loadCpu),
      allCoresBusy: allCoresBusyShare(this.coresStart, cores),
    };
  }
}
