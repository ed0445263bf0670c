/**
 * Event-loop delay and GC pauses of a Gatehouse process over one run, from its admin
 * /metrics: prom-client's default metrics (perf_hooks monitorEventLoopDelay, reset at
 * every scrape, so a scrape before the run starts a fresh window; and the GC duration
 * histogram from PerformanceObserver, read as a difference).
 */
import { httpGet } from '../process/net.js';
import { samplesOf } from '../auth/metrics.js';

const PREFIX = 'gatehouse_nodejs_';

export interface RuntimeStats {
  /** Longest event-loop delay seen in the window (ms). */
  readonly loopDelayMaxMs: number;
  /** p99 of the event-loop delay samples (ms). */
  readonly loopDelayP99Ms: number;
  /** GC time over the run (ms), all kinds, and the number of collections. */
  readonly gcMs: number;
  readonly gcCount: number;
  /** Major (mark-sweep-compact) collections over the run. */
  readonly gcMajorCount: number;
}

interface GcTotals {
  readonly sumSec: number;
  readonly count: number;
  readonly major: number;
}

async function scrape(adminUrl: string): Promise<string> {
  const answer = await httpGet(`${adminUrl}/metrics`);
  if (answer.status !== 200) throw new Error(`GET ${adminUrl}/metrics answered ${answer.status}`);
  return answer.body;
}

function gcTotals(text: string): GcTotals {
  let sumSec = 0;
  let count = 0;
  let major = 0;
  for (const s of samplesOf(text, `${PREFIX}gc_duration_seconds_sum`)) sumSec += s.value;
  for (const s of samplesOf(text, `${PREFIX}gc_duration_seconds_count`)) {
    count += s.value;
    if (s.labels.kind === 'major') major += s.value;
  }
  return { sumSec, count, major };
}

const first = (text: string, name: string): number => samplesOf(text, name)[0]?.value ?? 0;

/** Starts a window (the scrape resets the delay histogram); the returned function closes it. */
export async function runtimeWindow(adminUrl: string): Promise<() => Promise<RuntimeStats>> {
  const before = gcTotals(await scrape(adminUrl));
  return async () => {
    const text = await scrape(adminUrl);
    const after = gcTotals(text);
    return {
      loopDelayMaxMs: round(first(text, `${PREFIX}eventloop_lag_max_seconds`) * 1000),
      loopDelayP99Ms: round(first(text, `${PREFIX}eventloop_lag_p99_seconds`) * 1000),
      gcMs: round((after.sumSec - before.sumSec) * 1000),
      gcCount: after.count - before.count,
      gcMajorCount: after.major - before.major,
    };
  };
}

const round = (ms: number): number => Math.round(ms * 100) / 100;
