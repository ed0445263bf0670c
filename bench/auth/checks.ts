/** Proof that an auth scenario measured the auth path: 401s before the load, counters after it. */
import type { AuthCheck } from '../results.js';
import type { AuthExpectation } from '../scenario-types.js';
import type { AuthCounters } from './metrics.js';

/** Warm: at least this share of JWT lookups hit the cache; cold: at most 1 − this. */
const CACHE_RATIO = 0.99;

/** The same credential with one character changed, far from its start (inside a JWT's signature). */
export function altered(value: string): string {
  const at = Math.max(0, value.length - 8);
  return value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
}

/**
 * Compares Gatehouse's counters over a run with the requests the client saw: each served
 * request allowed by the expected method, nothing refused, the JWT cache as warm or cold
 * as the scenario says. `inFlight` is how many requests may have been admitted but not
 * counted by the client when it stopped (wrk stops with up to one per connection open).
 */
export function checkAuthRun(
  expectation: AuthExpectation,
  delta: AuthCounters,
  served: number,
  inFlight: number,
): AuthCheck {
  let allowed = 0;
  let refused = 0;
  for (const [key, count] of Object.entries(delta.outcomes)) {
    if (key === `allowed ${expectation.method}`) allowed += count;
    else refused += count;
  }
  const problems: string[] = [];
  if (allowed < served)
    problems.push(`only ${allowed} of ${served} served requests were allowed by ${expectation.method}`);
  if (allowed > served + inFlight)
    problems.push(`${allowed} requests allowed by ${expectation.method}, more than the ${served} served`);
  if (refused > 0) {
    const detail = Object.entries(delta.outcomes)
      .filter(([key, count]) => key !== `allowed ${expectation.method}` && count > 0)
      .map(([key, count]) => `${count} ${key}`)
      .join(', ');
    problems.push(`auth outcomes other than allowed ${expectation.method}: ${detail}`);
  }
  let jwtCache: AuthCheck['jwtCache'] = null;
  if (expectation.method === 'jwt') {
    const { hit, miss } = delta.jwtCache;
    const hitRatio = hit + miss > 0 ? hit / (hit + miss) : 0;
    jwtCache = { hits: hit, misses: miss, hitRatio: Math.round(hitRatio * 10_000) / 10_000 };
    if (hit + miss < allowed)
      problems.push(`${hit + miss} JWT cache lookups for ${allowed} allowed requests`);
    if (expectation.jwtCache === 'warm' && hitRatio < CACHE_RATIO)
      problems.push(
        `the JWT cache was not warm: hit ratio ${hitRatio.toFixed(4)} (${hit} hits, ${miss} misses)`,
      );
    if (expectation.jwtCache === 'cold' && hitRatio > 1 - CACHE_RATIO)
      problems.push(
        `the JWT cache was not cold: hit ratio ${hitRatio.toFixed(4)} (${hit} hits, ${miss} misses)`,
      );
  }
  return { served, allowed, refused, jwtCache, problems };
}
