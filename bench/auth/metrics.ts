/** Reads Gatehouse's auth counters from the admin /metrics (Prometheus text format). */
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet } from '../process/net.js';

const SETTLE_POLL_MS = 100;
const SETTLE_TIMEOUT_MS = 5_000;

export interface AuthCounters {
  /** gatehouse_auth_outcomes_total summed by "outcome method", e.g. "allowed jwt", "rejected credentials". */
  readonly outcomes: Readonly<Record<string, number>>;
  /** gatehouse_token_cache_lookups_total{cache="jwt"} by result. */
  readonly jwtCache: { readonly hit: number; readonly miss: number };
}

interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Samples of one metric: `name{a="x",b="y"} 12`. */
export function samplesOf(text: string, name: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const labelText = close < 0 ? '' : line.slice(name.length + 1, close);
    const labels: Record<string, string> = {};
    for (const m of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
    const value = Number(
      line
        .slice(close < 0 ? name.length : close + 1)
        .trim()
        .split(' ')[0],
    );
    if (Number.isFinite(value)) samples.push({ labels, value });
  }
  return samples;
}

export async function readAuthCounters(adminUrl: string): Promise<AuthCounters> {
  const answer = await httpGet(`${adminUrl}/metrics`);
  if (answer.status !== 200) throw new Error(`GET ${adminUrl}/metrics answered ${answer.status}`);
  const outcomes: Record<string, number> = {};
  for (const s of samplesOf(answer.body, 'gatehouse_auth_outcomes_total')) {
    const key = `${s.labels.outcome ?? '?'} ${s.labels.method ?? '?'}`;
    outcomes[key] = (outcomes[key] ?? 0) + s.value;
  }
  const jwtCache = { hit: 0, miss: 0 };
  for (const s of samplesOf(answer.body, 'gatehouse_token_cache_lookups_total'))
    if (s.labels.cache === 'jwt' && (s.labels.result === 'hit' || s.labels.result === 'miss'))
      jwtCache[s.labels.result] += s.value;
  return { outcomes, jwtCache };
}

/**
 * The counters once they stop moving: requests the load generator abandoned when it
 * stopped (wrk closes its connections with up to one request each in flight) may still
 * be in verification; reading too early would count them in the next run.
 */
export async function readSettledAuthCounters(adminUrl: string): Promise<AuthCounters> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = await readAuthCounters(adminUrl);
  for (;;) {
    await sleep(SETTLE_POLL_MS);
    const next = await readAuthCounters(adminUrl);
    if (isDeepStrictEqual(next, last) || Date.now() > deadline) return next;
    last = next;
  }
}

/** after − before, key by key. */
export function countersBetween(before: AuthCounters, after: AuthCounters): AuthCounters {
  const outcomes: Record<string, number> = {};
  for (const name of new Set([...Object.keys(before.outcomes), ...Object.keys(after.outcomes)]))
    outcomes[name] = (after.outcomes[name] ?? 0) - (before.outcomes[name] ?? 0);
  return {
    outcomes,
    jwtCache: {
      hit: after.jwtCache.hit - before.jwtCache.hit,
      miss: after.jwtCache.miss - before.jwtCache.miss,
    },
  };
}
