/** CPU used by the proxy, by the upstream and by each core over one measured window. */
import { coreBusyShare, coreTimes, processCpuMicros, type CoreTimes } from './proc.js';

export interface CpuWindowResult {
  /** Proxy process CPU time (user+system, all threads) in microseconds; 0 without a proxy. */
  readonly proxyCpuMicros: number;
  readonly upstreamCpuMicros: number;
  readonly wallMicros: number;
  /** Busy share (0..1) of the proxy core and of the load core, counting every process on them. */
  readonly proxyCoreBusy: number;
  readonly loadCoreBusy: number;
}

export interface CpuWindowSubjects {
  readonly proxyPid: number | undefined;
  readonly upstreamPid: number;
  readonly proxyCpu: number;
  readonly loadCpu: number;
}

function cpuOf(pid: number | undefined): number {
  return pid === undefined ? 0 : processCpuMicros(pid);
}

export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly proxyStart: number;
  private readonly upstreamStart: number;
  private readonly coresStart: Map<number, CoreTimes> = coreTimes();

  constructor(private readonly subjects: CpuWindowSubjects) {
    this.proxyStart = cpuOf(subjects.proxyPid);
    this.upstreamStart = cpuOf(subjects.upstreamPid);
  }

  end(): CpuWindowResult {
    const proxyEnd = cpuOf(this.subjects.proxyPid);
    const upstreamEnd = cpuOf(this.subjects.upstreamPid);
    const cores = coreTimes();
    return {
      proxyCpuMicros: proxyEnd - this.proxyStart,
      upstreamCpuMicros: upstreamEnd - this.upstreamStart,
      wallMicros: (performance.now() - this.startedAt) * 1000,
      proxyCoreBusy: coreBusyShare(this.coresStart, cores, this.subjects.proxyCpu),
      loadCoreBusy: coreBusyShare(this.coresStart, cores, this.subjects.loadCpu),
    };
  }
}
