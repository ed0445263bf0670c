/**
 * How long a reload of a large plan blocks the event loop, measured in the process that
 * reloads: Gatehouse with N public deployments (default 10,000) in-process, requests
 * sent to it meanwhile (one at a time, keep-alive), and perf_hooks
 * monitorEventLoopDelay (1 ms resolution) over each of a few reloads of a changed file.
 * Target: no stall over 50 ms.
 *
 *   npm run build && node dist/bench/reload-stall.js [deployments] [reloads]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { Gatehouse } from '../src/gatehouse.js';

const deployments = Number(process.argv[2] ?? 10_000);
const reloads = Number(process.argv[3] ?? 3);

const upstream = createServer((_req, res) => res.end('{"ok":true}'));
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-reload-stall-'));
const configPath = join(dir, 'gatehouse.yaml');

function write(version: string): void {
  const ids = Array.from({ length: deployments }, (_, i) => i);
  writeFileSync(
    configPath,
    stringify({
      server: {
        dataPlane: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0 },
        reload: { watch: false },
      },
      store: { type: 'memory' },
      logging: { level: 'warn', accessLog: false },
      infrastructures: [{ id: 'bench', nodes: [upstreamUrl] }],
      services: ids.map((i) => ({
        id: `svc${i}`,
        versions: [{ id: version, auth: { methods: ['public'] } }],
      })),
      deployments: ids.map((i) => ({ id: `dep${i}`, service: `svc${i}`, version, infrastructure: 'bench' })),
    }),
  );
}

write('v1');
const gh = await Gatehouse.start({ configPath });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let served = 0;
let trafficOn = true;
const url = gh.dataPlaneUrl;
const traffic = async (): Promise<void> => {
  while (trafficOn)
    await new Promise<void>((resolve) => {
      request(`${url}/public/api/v1/svc0/items`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          served++;
          resolve();
        });
      })
        .on('error', () => resolve())
        .end();
    });
};
const load = traffic();

// The longest garbage-collection pause during each reload: a stall no slicing can remove.
let gcMax = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMax = Math.max(gcMax, entry.duration);
});
gcObserver.observe({ entryTypes: ['gc'] });

for (let r = 0; r < reloads; r++) {
  write(`v${r + 2}`);
  gcMax = 0;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const result = await gh.reload('bench');
  const ms = performance.now() - started;
  histogram.disable();
  console.log(
    `reload ${r + 1}: ${result.ok ? 'ok' : 'FAILED'} in ${ms.toFixed(0)} ms; event-loop delay max ${(histogram.max / 1e6).toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms; longest GC pause ${gcMax.toFixed(1)} ms`,
  );
}
gcObserver.disconnect();
trafficOn = false;
await load;
console.log(`${deployments} deployments; requests served during the reloads: ${served}`);
await gh.stop();
upstream.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
