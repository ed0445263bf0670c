/**
 * A redis-server for the Redis-backed scenarios, started once on first use (from the
 * scenario's `load`, which runs before its proxy starts) on a free port in the run's
 * scratch folder, AOF on (Gatehouse refuses a Redis that does not persist), pinned to
 * the load core (BENCH_REDIS_CPU, default 1) like the upstream, stopped at the end of the
 * run (stopBenchRedis: a live child would keep the bench process from exiting).
 */
import { createConnection } from 'node:net';
import { spawnPinned, type PinnedChild } from './process/children.js';
import { freePort } from './process/net.js';

let started: Promise<string> | undefined;
let url: string | undefined;
let child: PinnedChild | undefined;

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts (once) and returns the URL of the bench Redis. */
export function benchRedis(workDir: string): Promise<string> {
  started ??= (async () => {
    const port = await freePort();
    const cpu = Number(process.env.BENCH_REDIS_CPU ?? 1);
    child = spawnPinned('redis', cpu, 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      workDir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
    ]);
    for (let i = 0; i < 200 && !(await answersPing(port)); i++) await new Promise((r) => setTimeout(r, 25));
    url = `redis://127.0.0.1:${port}`;
    return url;
  })();
  return started;
}

/** The URL once benchRedis has resolved (the Gatehouse config is built after the scenario's load). */
export function benchRedisUrl(): string {
  if (url === undefined) throw new Error('the bench Redis is started by the scenario load first');
  return url;
}

/** Stops the bench Redis if a scenario started it. */
export async function stopBenchRedis(): Promise<void> {
  const running = child;
  child = undefined;
  started = undefined;
  url = undefined;
  await running?.stop();
}
