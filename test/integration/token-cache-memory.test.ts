/**
 * Issue #9 §4: memory must not grow with every distinct token. A real Gatehouse process
 * receives a steady stream of valid, never-repeated JWTs (each one verified and cached
 * once, never looked up again) with a short `tokenCache.maxTtlSec`. Expired entries must
 * leave: the cache size stays near rate x TTL and RSS (from /proc) stays flat after a
 * warm-up. Before the fix entries left only when looked up again or at `maxEntries`
 * (100,000), so both grew linearly with the number of tokens.
 *
 * Each RSS sample follows a forced full GC in the child (gc-on-signal.mjs): without it
 * RSS follows V8's lazy old-space collection (measured here: +58 MiB/min over 30 s with
 * a flat cache), which says nothing about what is retained. Figures on a loaded 2-core
 * machine: with the fix ~300 entries and ~2 MiB/min; without expiry ~6,000 entries
 * (every token sent) and ~55 MiB/min.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { generateHmacSecret, type TestHmacSecret } from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const ISSUER = 'https://soak.issuer.test';
const AUDIENCE = 'https://soak.api.test';
const TOKENS_PER_SEC = 150;
const MAX_TTL_SEC = 1;
const WARM_UP_SEC = 12;
const MEASURE_SEC = 30;
const GC_PRELOAD = pathToFileURL(new URL('../helpers/gc-on-signal.mjs', import.meta.url).pathname).href;
/** ~40 claims values per token: a few KB per cache entry, so a leak shows within seconds. */
const GROUPS = Array.from({ length: 40 }, (_, i) => `group-with-a-realistic-name-${i}`);

/** An HS256 token whose jti (and so its cache key) is new every time. */
function freshToken(secret: TestHmacSecret, i: number): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `user-${i % 1000}`,
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
    groups: GROUPS,
  })}`;
  return `${input}.${createHmac('sha256', secret.secret).update(input).digest('base64url')}`;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

describe('verified-token cache memory under a stream of distinct tokens', () => {
  let secret: TestHmacSecret;
  let upstream: TestUpstream;
  let gh: GatehouseProcess;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  before(async () => {
    secret = generateHmacSecret('soak');
    upstream = await startUpstream('api', (_req, res) => res.end('ok'));
    gh = await startGatehouseProcess(
      {
        logging: { level: 'info', accessLog: false },
        tokenCache: { maxTtlSec: MAX_TTL_SEC },
        providers: [
          {
            id: 'hs',
            type: 'hmac',
            issuer: ISSUER,
            audiences: [AUDIENCE],
            secrets: [{ secret: secret.secret }],
          },
        ],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [
          { id: 'api', versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: ['hs'] } } }] },
        ],
        deployments: [
          { id: 'api', service: 'api', version: 'v1', infrastructure: 'infra', basePath: '/api' },
        ],
      },
      { env: { NODE_OPTIONS: `--expose-gc --import=${GC_PRELOAD}` } },
    );
  });
  after(async () => {
    agent.destroy();
    await gh?.stop();
    await upstream?.close();
  });

  it('keeps the cache near rate x TTL and RSS flat after warm-up', async () => {
    const url = new URL(gh.url);
    const statuses = new Map<number, number>();
    let sent = 0;
    let answered = 0;
    const get = (token: string): void => {
      sent++;
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/api/x',
          agent,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            answered++;
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          });
        },
      );
      req.on('error', () => statuses.set(-1, (statuses.get(-1) ?? 0) + 1));
      req.end();
    };

    const rssSamples: [number, number][] = []; // [seconds since warm-up, RSS MiB]
    const cacheSamples: number[] = [];
    const started = Date.now();
    let nextSample = started + WARM_UP_SEC * 1000;
    while (Date.now() - started < (WARM_UP_SEC + MEASURE_SEC) * 1000) {
      // Every 50 ms, catch up with the schedule: the same rate on a loaded machine.
      const due = Math.floor(((Date.now() - started) / 1000) * TOKENS_PER_SEC);
      while (sent < due) get(freshToken(secret, sent));
      if (Date.now() >= nextSample) {
        nextSample += 1000;
        gh.child.kill('SIGUSR2'); // full GC, then sample
        await sleep(100);
        rssSamples.push([(Date.now() - started) / 1000 - WARM_UP_SEC, (gh.memoryKb().VmRSS ?? 0) / 1024]);
        cacheSamples.push((await readMetric(gh.adminUrl, 'gatehouse_token_cache_entries')) ?? -1);
      }
      await sleep(50);
    }
    while (answered + (statuses.get(-1) ?? 0) < sent) await sleep(50);

    const growth = slope(rssSamples);
    const peakEntries = Math.max(...cacheSamples);
    console.log(
      `sent ${sent} distinct tokens in ${WARM_UP_SEC + MEASURE_SEC} s; statuses ${JSON.stringify([...statuses])}; ` +
        `cache entries after warm-up ${Math.min(...cacheSamples)}..${peakEntries}; ` +
        `RSS ${rssSamples[0]?.[1].toFixed(1)} → ${rssSamples.at(-1)?.[1].toFixed(1)} MiB, slope ${(growth * 60).toFixed(1)} MiB/min`,
    );
    assert.deepEqual([...statuses], [[200, sent]], 'every token was accepted');
    assert.equal(upstream.requests.length, sent, 'every request reached the upstream');
    // Entries live maxTtlSec plus at most one sweep: about rate x 2 s; allow for bursts.
    assert.ok(
      peakEntries <= TOKENS_PER_SEC * (MAX_TTL_SEC + 1) * 3,
      `cache entries stay near rate x TTL (peak ${peakEntries}, ${sent} tokens sent)`,
    );
    // Without expiry the entries alone add TOKENS_PER_SEC x ~4 KB per second (~35 MiB/min).
    assert.ok(growth * 60 < 10, `RSS is flat after warm-up (slope ${(growth * 60).toFixed(1)} MiB/min)`);
  });
});
