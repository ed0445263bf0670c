/**
 * In-process CPU cost of the JWT path through a deployment's real gate (see
 * gate-under-test.ts): N distinct valid tokens, none of which the cache holds, and one
 * cached token. No sockets, so the figure is the auth path alone and is far less
 * sensitive to a busy machine than the HTTP benchmark:
 *
 *   npm run build && node dist/bench/micro/cold-jwt.js [count] [hs|rs]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/micro/cold-jwt.js 20000 hs && node dist/bench/profile.js /tmp/prof
 *
 * Prints CPU µs per request for HS256 and RS256 (median of 9 rounds after a warm-up
 * round) and for a cached token. To compare two builds, use gate-ab.ts.
 */
import type { Gate } from '../../src/auth/types.js';
import { buildGate, cpuPerRequest, median, requestWith, THIS_BUILD, TokenMaker } from './gate-under-test.js';

const ROUNDS = 9;
const count = Number(process.argv[2] ?? 20_000);
const only = process.argv[3]; // 'hs' or 'rs': one algorithm (for a profile)

async function measure(name: string, gate: Gate, tokens: readonly string[]): Promise<void> {
  const requests = tokens.map(requestWith);
  const perRound = Math.floor(requests.length / (ROUNDS + 1));
  await cpuPerRequest(gate, requests.slice(0, perRound)); // warm the JIT and the heap (tokens then evicted)
  const figures: number[] = [];
  for (let r = 1; r <= ROUNDS; r++)
    figures.push(await cpuPerRequest(gate, requests.slice(r * perRound, (r + 1) * perRound)));
  console.log(
    `${name.padEnd(26)} ${median(figures).toFixed(2).padStart(7)} µs CPU/request  (rounds: ${figures.map((f) => f.toFixed(1)).join(' ')})`,
  );
}

const maker = new TokenMaker();
const hs = await buildGate(THIS_BUILD, 'hs256', maker);
const hsTokens = maker.tokens('hs256', count);
if (only !== 'rs') await measure('HS256 cold (distinct)', hs, hsTokens);
if (only !== 'hs') {
  const rs = await buildGate(THIS_BUILD, 'rs256', maker);
  await measure('RS256 cold (distinct)', rs, maker.tokens('rs256', Math.min(count, 10_000)));
}
const warm = hsTokens[0] as string;
await measure(
  'HS256 warm (one token)',
  hs,
  Array.from({ length: count }, () => warm),
);
process.exit(0);
