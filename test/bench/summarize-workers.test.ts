/**
 * How a throughput row is judged (bench/summarize.ts) for the worker scenarios, on
 * hand-built readings: a proxy process that exited or appeared mid-run drops the CPU
 * figures with a warning; an unpinned proxy is not checked for proxy-core noise, and is
 * "not the bottleneck" only when neither one of its processes nor the machine was busy;
 * a pinned proxy keeps both checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WrkResult } from '../../bench/load/wrk.js';
import type { CpuWindowResult } from '../../bench/measure/cpu-window.js';
import type { Scenario } from '../../bench/scenario-types.js';
import { summarizeThroughput } from '../../bench/summarize.js';

const WALL = 5_000_000;

const wrk: WrkResult = {
  requests: 100_000,
  durationUs: WALL,
  bytes: 0,
  errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
  latencyUs: { p50: 1000, p90: 2000, p99: 5000, max: 9000, mean: 1200 },
};

function scenario(cores: 'proxy' | 'all', workers = 1): Scenario {
  return {
    name: 's',
    description: 's',
    proxy: 'gatehouse',
    load: () => ({ paths: ['/'] }),
    fixedRate: false,
    workers,
    cores,
  };
}

function cpu(over: Partial<CpuWindowResult>): CpuWindowResult {
  return {
    proxyCpuMicros: WALL,
    proxyBusiestProcessMicros: WALL,
    proxyProcesses: 1,
    proxyProcessChanges: [],
    upstreamCpuMicros: WALL * 0.2,
    wallMicros: WALL,
    proxyCoreBusy: 1,
    loadCoreBusy: 0.5,
    allCoresBusy: 0.75,
    ...over,
  };
}

const summarize = (s: Scenario, c: CpuWindowResult) =>
  summarizeThroughput(s, wrk, c, { hasProxy: true, startupMs: 0, reusedProcess: false, authCheck: null });

describe('summarizeThroughput with worker processes', () => {
  it('sums the tree: 1.6 cores over 100,000 requests in 5 s is 80 µs/req and 160% of one core', () => {
    const row = summarize(
      scenario('all', 2),
      cpu({
        proxyCpuMicros: WALL * 1.6,
        proxyBusiestProcessMicros: WALL * 0.8,
        proxyProcesses: 3,
        allCoresBusy: 0.99,
      }),
    );
    assert.equal(row.proxyCpuMicrosPerRequest, 80);
    assert.equal(row.proxyCpuShare, 1.6);
    assert.deepEqual(row.warnings, []);
  });

  it('drops the CPU figures of a run in which a worker exited and another appeared', () => {
    const row = summarize(
      scenario('all', 2),
      cpu({ proxyProcessChanges: ['pid 12 exited', 'pid 15 started'] }),
    );
    assert.equal(row.proxyCpuMicrosPerRequest, null);
    assert.equal(row.proxyCpuShare, null);
    assert.ok(
      row.warnings.some((w) => w.includes('pid 12 exited, pid 15 started') && w.includes('not valid')),
    );
  });

  it('unpinned: no proxy-core noise warning, even when the proxy core was busy with other work', () => {
    const row = summarize(scenario('all'), cpu({ proxyCpuMicros: WALL * 0.5, proxyCoreBusy: 1 }));
    assert.ok(!row.warnings.some((w) => w.includes('proxy core')), row.warnings.join('; '));
  });

  it('unpinned: one saturated event loop is a bottleneck although the machine was half idle', () => {
    const row = summarize(
      scenario('all'),
      cpu({ proxyBusiestProcessMicros: WALL * 0.99, allCoresBusy: 0.6 }),
    );
    assert.ok(!row.warnings.some((w) => w.includes('bottleneck')), row.warnings.join('; '));
  });

  it('unpinned: flagged when neither a proxy process nor the machine was busy', () => {
    const row = summarize(
      scenario('all', 2),
      cpu({ proxyCpuMicros: WALL, proxyBusiestProcessMicros: WALL * 0.5, allCoresBusy: 0.6 }),
    );
    assert.ok(
      row.warnings.some((w) => w.includes("machine's cores were 60% busy") && w.includes('50% of a core')),
    );
  });

  it('pinned: keeps the proxy-core checks', () => {
    const row = summarize(scenario('proxy'), cpu({ proxyCpuMicros: WALL * 0.5, proxyCoreBusy: 0.8 }));
    assert.ok(row.warnings.some((w) => w.includes('the proxy used 50% of its core')));
    assert.ok(row.warnings.some((w) => w.includes('other processes used 30% of the proxy core')));
  });
});
