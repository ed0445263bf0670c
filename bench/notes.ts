/** The caveats printed under the results (and kept in the JSON). */
import { COLD_TOKEN_COUNT } from './auth/material.js';
import { H2_STREAMS, H2LOAD_MISSING, h2loadAvailable } from './load/h2load.js';
import type { BenchReport, ThroughputResult } from './results.js';
import type { Scenario } from './scenario-types.js';
import { clockTicksPerSecond } from './measure/proc.js';
import { FLOOR } from './scenarios.js';
import { everyCoreNote } from './workers-note.js';

const AUTH_NOTE =
  'auth scenarios: 10 deployments like gatehouse-public-10, traffic to one; the API key goes in X-API-Key, ' +
  'JWTs in Authorization: Bearer (both stripped before the upstream). RS256: a 2048-bit key cached in ' +
  `bench/results/auth/, its JWKS served by the upstream. Cold: ${COLD_TOKEN_COUNT} distinct tokens used in ` +
  'turn with tokenCache.maxEntries 1000, so the LRU has evicted each before it comes round; the auth-check ' +
  'table proves it (hit ratio) and that every served request was allowed by the method (preflight: 401 ' +
  'without the credential and with it altered)';

function tlsNotes(scenarios: readonly Scenario[], connections: number): string[] {
  const notes: string[] = [];
  if (scenarios.some((s) => s.transport === 'https' || s.transport === 'h2'))
    notes.push(
      'TLS scenarios: the data plane serves a self-signed EC P-256 certificate made per run with openssl ' +
        '(server.dataPlane.tls.certFolder); same 10 deployments and upstream as gatehouse-public-10, no fixed-rate run. ' +
        'https: wrk over TLS, HTTP/1.1 keep-alive (no ALPN), TLS handshakes only at connect. ' +
        'The floor is plain HTTP, so "x floor" includes the cost of TLS',
    );
  if (scenarios.some((s) => s.transport === 'h2'))
    notes.push(
      h2loadAvailable()
        ? `h2: h2load (one thread) with ${Math.max(1, Math.round(connections / H2_STREAMS))} connections x ` +
            `${H2_STREAMS} concurrent streams = ${connections} requests in flight, as wrk's ${connections} ` +
            'connections; p50/p90/p99/max computed from its per-request log (--log-file, µs to the end of the ' +
            'response); failures = its "failed" streams (4xx/5xx answers, refused, reset, lost or timed out)'
        : H2LOAD_MISSING,
    );
  return notes;
}

function roundsNote(rounds: number): string {
  return (
    `${rounds} interleaved rounds (the floor, then each scenario, ${rounds} times over; each round starts ` +
    'its proxies afresh). "x floor", "added p99/p99.9" and the targets use the median over rounds of each ' +
    "round's ratio (difference) to the floor measured in the same round, not the ratio of medians; for an even " +
    'count the lower middle value. Each row\'s other fields are those of one round ("rep."): the one with the ' +
    'median CPU ratio (the floor: median CPU µs/req; fixed rate: median p99), or a round with failed requests ' +
    'or a failed auth check, which then makes the row invalid. A scenario that failed in any round is reported ' +
    "as failed and has no row. The fixed rate was decided once, from round 1's floor, so every round measured " +
    'at the same rate. Per-round figures: bench/results/latest.json, "byRound"'
  );
}

export function benchNotes(
  settings: BenchReport['settings'],
  loadAverage: readonly number[],
  scenarios: readonly Scenario[],
  throughput: readonly ThroughputResult[],
): string[] {
  const everyCore = everyCoreNote(throughput);
  const authScenarios = scenarios.some((s) => s.auth !== undefined);
  const upstream =
    settings.upstream === 'nginx'
      ? 'upstream: nginx, one process (no master), access log off, pinned with the load generator'
      : 'upstream: the FALLBACK Node server (nginx not found at /usr/sbin/nginx, or --node-upstream): ' +
        'it takes more of the load core than nginx, so the direct row and the floor are lower';
  return [
    ...(settings.rounds > 1 ? [roundsNote(settings.rounds)] : []),
    upstream,
    'Gatehouse runs as `node bin/gatehouse.js start` with production logging (level info, access log on; ' +
      'stdout to /dev/null) unless the scenario says nolog; default Prometheus process metrics on',
    `CPU µs/req: utime+stime of the proxy's node process (all threads; with workers, summed over the primary and ` +
      `every worker) from /proc/<pid>/stat over the measured run, ` +
      `divided by requests; ${clockTicksPerSecond()} ticks/s, so one run is accurate to about ±${1000 / clockTicksPerSecond()} ms ` +
      'of CPU. Kernel network work done in softirq context may be missing from it',
    `"x floor" = req/s / ${FLOOR} req/s. "proxy CPU" near 100% means the proxy was the bottleneck, as intended`,
    'the direct row is the ceiling of the load core (wrk and the upstream share it), not of the upstream alone',
    'fixed-rate latency: bench/load/fixed-rate-client, open loop (wrk2-style: latency from the scheduled send ' +
      'time), a minimal HTTP/1.1 client so that it takes little of the load core; not autocannon, whose ' +
      'overallRate gives each connection a per-second budget spent back to back (bursts, then idle). ' +
      'Node timers tick at ~1 ms, so every row carries the same ~1 ms of send jitter; it cancels out in "added p99"',
    ...(authScenarios ? [AUTH_NOTE] : []),
    ...tlsNotes(scenarios, settings.connections),
    ...(everyCore === undefined ? [] : [everyCore]),
    `2-core machine: any other busy process skews the numbers; load average at start ${loadAverage
      .map((l) => l.toFixed(2))
      .join(' ')}. Compare ratios within one run, not absolute numbers across machines`,
  ];
}
