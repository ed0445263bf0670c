/** What the fixed-rate client reads (a JSON file) and prints (one JSON line). */
import { z } from 'zod';

export const FIXED_RATE_MARKER = 'FIXED_RATE_RESULT ';

export const fixedRateJobSchema = z.object({
  origin: z.string(),
  path: z.string(),
  pathsFile: z.string().optional(),
  headersFile: z.string().optional(),
  /** Request i uses line (firstHeaderLine + i) of the headers file, wrapping around. */
  firstHeaderLine: z.number().int().min(0),
  headers: z.record(z.string(), z.string()),
  /** Requests per second, sent on a fixed schedule whatever the answers do. */
  rate: z.number().positive(),
  warmupSec: z.number().min(0),
  durationSec: z.number().positive(),
  connections: z.number().int().positive(),
});

export type FixedRateJob = z.infer<typeof fixedRateJobSchema>;

const percentiles = z.object({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
});

export const fixedRateResultSchema = z.object({
  /** Requests scheduled in the measured window, and how many got a 2xx answer. */
  scheduled: z.number(),
  /** Every request sent, warm-up included. */
  sentTotal: z.number(),
  ok: z.number(),
  non2xx: z.number(),
  failed: z.number(),
  achievedRate: z.number(),
  /** Latency from the scheduled send time to the last response byte (coordinated-omission free). */
  latencyMs: percentiles,
  /** How late requests left the client compared with the schedule (client health). */
  sendLagMs: percentiles,
  /** The client's CPU time since it started, to tell its share of the load core from other processes'. */
  clientCpuMicros: z.number(),
});

export type FixedRateResult = z.infer<typeof fixedRateResultSchema>;
export type Percentiles = z.infer<typeof percentiles>;
