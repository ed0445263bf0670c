/**
 * GCRA shared across replicas: one Lua script decides every limit of a request in one
 * round trip, atomically, with Redis's own clock (TIME), so replicas with skewed clocks
 * still share one limit exactly (a TAT beyond the tolerance, left by Redis's clock
 * stepping back, counts as an empty bucket and is stored so, as in gcra.ts). Keys live
 * under the store's prefix (`P r:<key>`, same hash tag: one Cluster slot); each expires
 * once its TAT has passed.
 */
import { luaScript, type LuaScript } from '../store/redis-client.js';
import type { GcraHit, GcraOutcome } from './gcra.js';

/** ARGV: interval1, tolerance1, interval2, tolerance2, … (ms). Reply: one string per key (see GcraOutcome). */
const GCRA_SOURCE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local denied = false
local tats = {}
local rebased = {}
local out = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  if tat > now + tolerance then
    tat = now + tolerance
    rebased[i] = tat
  end
  tat = tat + interval
  local ahead = tat - now
  if ahead > tolerance + 1e-9 then
    denied = true
    out[i] = string.format('%.3f', -(ahead - tolerance))
  else
    out[i] = string.format('%.3f', ahead)
  end
  tats[i] = tat
end
for i = 1, #KEYS do
  local tat = tats[i]
  if denied then tat = rebased[i] end
  if tat then redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000) end
end
return out
`;

export const GCRA_SCRIPT: LuaScript = luaScript(GCRA_SOURCE);

/** Runs a policy script on keys the store places under its prefix (RedisStore.runPolicyScript). */
export type PolicyScriptRunner = (
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

export async function sharedGcra(run: PolicyScriptRunner, hits: readonly GcraHit[]): Promise<GcraOutcome> {
  const args: number[] = [];
  for (const h of hits) args.push(h.rate.intervalMs, h.rate.intervalMs * h.rate.burst);
  const reply = await run(
    GCRA_SCRIPT,
    hits.map((h) => h.key),
    args,
  );
  if (!Array.isArray(reply) || reply.length !== hits.length) throw new Error('unexpected GCRA script reply');
  return reply.map((v) => Number(v));
}
