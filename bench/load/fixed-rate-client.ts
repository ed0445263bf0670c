/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate, whether or not
 * earlier answers came back, and its latency counts from that due time (as wrk2 does),
 * so a stall shows up in the percentiles instead of silently lowering the rate.
 * Usage: node fixed-rate-client.js JOB.json — prints one JSON result line.
 */
import { readFileSync } from 'node:fs';
import {
  FIXED_RATE_MARKER,
  fixedRateJobSchema,
  type FixedRateResult,
  type Percentiles,
} from './fixed-rate-protocol.js';
import { Http1Pool } from './http1-pool.js';
import { createRequestSequence, readLines } from './request-bytes.js';

const DRAIN_TIMEOUT_MS = 10_000;

const job = fixedRateJobSchema.parse(JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')));
const origin = new URL(job.origin);
const requestBytes = createRequestSequence({
  paths: job.pathsFile === undefined ? [job.path] : readLines(job.pathsFile),
  headers: job.headers,
  headerLines: readLines(job.headersFile),
  firstHeaderLine: job.firstHeaderLine,
  host: origin.host,
});
const pool = new Http1Pool(origin.hostname, Number(origin.port), job.connections);

const interval = 1000 / job.rate;
const warmup = Math.round(job.rate * job.warmupSec);
const measured = Math.round(job.rate * job.durationSec);
const total = warmup + measured;
const latency = new Float64Array(measured);
const sendLag = new Float64Array(measured);
let sent = 0;
let settled = 0;
let recorded = 0;
let ok = 0;
let non2xx = 0;
let failed = 0;
let start = 0;

function record(i: number, dueAt: number, sentAt: number, status: number): void {
  settled++;
  if (i < warmup) return;
  if (status === 0) failed++;
  else if (status < 200 || status > 299) non2xx++;
  else ok++;
  latency[recorded] = performance.now() - dueAt;
  sendLag[recorded] = sentAt - dueAt;
  recorded++;
}

function fire(i: number): void {
  const dueAt = start + i * interval;
  const sentAt = performance.now();
  pool.submit({ bytes: requestBytes(i), done: (status) => record(i, dueAt, sentAt, status) });
}

function percentiles(values: Float64Array): Percentiles {
  const sorted = values.slice().sort();
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(at(1)),
  };
}

/** This process's CPU time since it started (the parent's CPU window includes the start-up). */
function totalCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function finish(): void {
  const result: FixedRateResult = {
    scheduled: measured,
    sentTotal: sent,
    ok,
    non2xx,
    failed: failed + (total - settled),
    achievedRate: Math.round(ok / job.durationSec),
    latencyMs: percentiles(latency.subarray(0, recorded)),
    sendLagMs: percentiles(sendLag.subarray(0, recorded)),
    clientCpuMicros: totalCpuMicros(),
  };
  pool.close();
  process.stdout.write(`${FIXED_RATE_MARKER}${JSON.stringify(result)}\n`, () => process.exit(0));
}

function waitForAnswers(deadline: number): void {
  if (settled >= total || performance.now() > deadline) finish();
  else setTimeout(() => waitForAnswers(deadline), 5);
}

/** Sends every request that is due, then sleeps until the next one (timers tick at ~1 ms). */
function tick(): void {
  const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
  while (sent < due) fire(sent++);
  if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
  else waitForAnswers(performance.now() + DRAIN_TIMEOUT_MS);
}

start = performance.now();
tick();
