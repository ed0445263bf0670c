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

/** One closed-loop (wrk/h2load) measurement of one scenario in one round. */
export interface ThroughputRun {
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
  /** Auth scenarios only. */
  readonly authCheck: AuthCheck | null;
  /** Reasons to distrust this row (errors, proxy not saturated, noisy core). */
  readonly warnings: string[];
}

/**
 * A throughput row of the report: the fields of ThroughputRun are those of one round, the
 * representative (see bench/rounds.ts); the ratios are medians of per-round ratios.
 */
export interface ThroughputResult extends ThroughputRun {
  /** Median over rounds of req/s ÷ the same round's floor (undici passthrough) req/s. */
  readonly ratioVsFloor: number | null;
  /** Median over rounds of CPU µs/req ÷ the same round's floor CPU µs/req. */
  readonly cpuRatioVsFloor: number | null;
  readonly byRound: ThroughputRounds;
}

/** Per-round figures of a throughput row, in round order (index 0 = round 1). */
export interface ThroughputRounds {
  /** The round whose fields the row shows (1-based). */
  readonly representativeRound: number;
  readonly reqPerSec: number[];
  /** null without a proxy (the direct row). */
  readonly cpuMicros: number[] | null;
  /** null without the floor or without a CPU figure. */
  readonly cpuRatio: number[] | null;
  /** null without the floor. */
  readonly reqPerSecRatio: number[] | null;
  /** Each round's own warnings (the row's `warnings` are the representative round's). */
  readonly warnings: string[][];
}

/** One open-loop measurement of one scenario in one round. */
export interface FixedRateRun {
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

/**
 * A fixed-rate row of the report: the fields of FixedRateRun are those of the round with
 * the median p99; the added latencies are medians of per-round differences.
 */
export interface FixedRateSummary extends FixedRateRun {
  /** Median over rounds of p99 minus the same round's floor p99 at the same rate. */
  readonly addedP99Ms: number | null;
  /** The same for p99.9. */
  readonly addedP999Ms: number | null;
  readonly byRound: FixedRateRounds;
}

/**
 * Per-round figures of a fixed-rate row, in round order; null for a round in which this
 * scenario (or, for the added figures, the floor) made no fixed-rate run.
 */
export interface FixedRateRounds {
  readonly representativeRound: number;
  readonly p99Ms: (number | null)[];
  readonly addedP99Ms: (number | null)[];
  readonly addedP999Ms: (number | null)[];
  readonly warnings: string[][];
}

/** What one round (every selected scenario once) measured. */
export interface RoundResult {
  readonly throughput: ThroughputRun[];
  readonly fixedRate: FixedRateRun[];
  readonly failures: ScenarioFailure[];
}

export interface ScenarioFailure {
  readonly scenario: string;
  /** 1-based round the scenario failed in. */
  readonly round: number;
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
    /** Interleaved rounds (floor, A, B, …, floor, A, B, …); the rows are medians over them. */
    readonly rounds: number;
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
