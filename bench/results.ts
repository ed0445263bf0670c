/** The shape of bench/results/latest.json and of what the report prints. */
import type { RuntimeStats } from './measure/runtime-metrics.js';
import type { ProxyKind } from './scenario-types.js';

/** Auth scenarios: Gatehouse's own counters over one measured run, against what the client saw. */
export interface AuthCheck {
  /** Requests the load generator completed in the run (wrk) or sent, warm-up included (fixed rate). */
  readonly served: number;
  /** gatehouse_auth_outcomes_total{outcome="allowed"} of the expected method over the run. */
  readonly allowed: number;
  /** Every other outcome (rejected, unavailable, forbidden, or allowed by another method). */
  readonly refused: number;
  /** gatehouse_token_cache_lookups_total{cache="jwt"} over the run (JWT scenarios). */
  readonly jwtCache: { readonly hits: number; readonly misses: number; readonly hitRatio: number } | null;
  /** Empty when the run measured the auth path as stated; otherwise the row is not valid. */
  readonly problems: string[];
}

export interface ThroughputResult {
  readonly scenario: string;
  readonly description: string;
  readonly proxy: ProxyKind;
  readonly requests: number;
  readonly durationSec: number;
  readonly reqPerSec: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly errors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    /** Answers with a status above 399. */
    readonly status: number;
    readonly timeout: number;
    readonly total: number;
  };
  /** Proxy process CPU (user+system, all threads) per request; null without a proxy. */
  readonly proxyCpuMicrosPerRequest: number | null;
  /** Proxy CPU time / wall time of the measured run (1 = one full core). */
  readonly proxyCpuShare: number | null;
  /** Upstream CPU time / wall time (it shares the load core with wrk). */
  readonly upstreamCpuShare: number;
  /** Busy share of each core over the run, whoever used it. */
  readonly proxyCoreBusy: number;
  readonly loadCoreBusy: number;
  /** Time from spawn to ready; 0 when the previous scenario's process was kept. */
  readonly startupMs: number;
  /** The previous scenario ran the same proxy and configuration, so its process was kept. */
  readonly reusedProcess: boolean;
  /** req/s divided by the floor's (undici passthrough) req/s. */
  ratioVsFloor: number | null;
  /** Auth scenarios only. */
  readonly authCheck: AuthCheck | null;
  /** Reasons to distrust this row (errors, proxy not saturated, noisy core). */
  readonly warnings: string[];
}

export interface FixedRateSummary {
  readonly scenario: string;
  readonly rate: number;
  readonly achievedRate: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
  };
  /** p99 minus the floor's p99 at the same rate. */
  addedP99Ms: number | null;
  readonly errors: number;
  /** Proxy CPU per request at this rate (warm-up included in both time and count). */
  readonly proxyCpuMicrosPerRequest: number | null;
  /** p99 of how late the client sent requests (a millisecond or so is timer granularity). */
  readonly sendLagP99Ms: number;
  /** Auth scenarios only. */
  readonly authCheck: AuthCheck | null;
  /** Gatehouse only: event-loop delay and GC over the run (warm-up included). */
  readonly runtime: RuntimeStats | null;
  readonly proxyCoreBusy: number;
  readonly loadCoreBusy: number;
  readonly warnings: string[];
}

export interface ScenarioFailure {
  readonly scenario: string;
  readonly error: string;
}

export type TargetStatus = 'PASS' | 'FAIL' | 'SKIP' | 'INVALID';

export interface TargetResult {
  readonly scenario: string;
  readonly label: string;
  readonly status: TargetStatus;
  readonly detail: string;
  /** False when a row behind the verdict carries warnings: rerun on a quiet machine. */
  readonly trusted: boolean;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly machine: {
    readonly cpuModel: string;
    readonly cores: number;
    readonly node: string;
    readonly kernel: string;
    readonly loadAverageAtStart: readonly number[];
  };
  readonly settings: {
    readonly durationSec: number;
    readonly warmupSec: number;
    readonly connections: number;
    readonly fixedRateSec: number;
    readonly proxyCpu: number;
    readonly loadCpu: number;
    readonly upstream: 'nginx' | 'node';
    readonly loadGenerator: string;
  };
  readonly throughput: ThroughputResult[];
  readonly fixedRate: FixedRateSummary[];
  readonly failures: ScenarioFailure[];
  readonly targets: TargetResult[];
  readonly notes: string[];
}
