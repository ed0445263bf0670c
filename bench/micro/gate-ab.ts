/**
 * A/B of two Gatehouse builds on the gate's JWT path, in one process: both builds'
 * gates (gate-under-test.ts) take turns, round after round (A B, B A, A B, ...), on
 * batches of fresh requests, so both see the same machine at the same moment. On a VM
 * whose speed drifts by tens of percent within minutes, this settles a few-percent
 * change that two separate runs cannot.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   npm run build && node dist/bench/micro/gate-ab.js /tmp/before/dist/src dist/src [hs|rs|warm] [rounds] [per-round]
 *
 * Prints each build's median CPU µs per request and the median of the per-round ratios B/A.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import {
  buildGate,
  cpuPerRequest,
  median,
  requestWith,
  TokenMaker,
  type TokenKind,
} from './gate-under-test.js';

const [dirA, dirB, mode = 'hs', roundsArg = '21', perArg = '5000'] = process.argv.slice(2);
if (!dirA || !dirB || !['hs', 'rs', 'warm'].includes(mode)) {
  console.error('usage: gate-ab.js <dist/src of A> <dist/src of B> [hs|rs|warm] [rounds] [per-round]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const perRound = Number(perArg);
const kind: TokenKind = mode === 'rs' ? 'rs256' : 'hs256';
const root = (dir: string): URL => pathToFileURL(`${resolve(dir)}/`);

const maker = new TokenMaker();
const gates = [await buildGate(root(dirA), kind, maker), await buildGate(root(dirB), kind, maker)] as const;
// Cold: every batch is fresh tokens (RS256 signing is slow: a pool 20x the cache, cycled).
const distinct =
  mode === 'warm' ? 1 : Math.min(perRound * 2 * (rounds + 1), mode === 'rs' ? 20_000 : Infinity);
const requests = maker.tokens(kind, distinct).map(requestWith);
let next = 0;
const batch = (): IncomingMessage[] =>
  Array.from({ length: perRound }, () => requests[next++ % requests.length] as IncomingMessage);

for (const gate of gates) await cpuPerRequest(gate, batch()); // warm-up of both
const figures: [number[], number[]] = [[], []];
for (let r = 0; r < rounds; r++)
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0])
    figures[i as 0 | 1].push(await cpuPerRequest(gates[i as 0 | 1], batch()));
const ratios = figures[1].map((b, r) => b / (figures[0][r] as number));
console.log(
  `${mode}: A ${median(figures[0]).toFixed(2)} µs  B ${median(figures[1]).toFixed(2)} µs CPU/request; B/A median of per-round ratios ${median(ratios).toFixed(3)} (${rounds} rounds x ${perRound})`,
);
process.exit(0);
