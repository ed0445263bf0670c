/**
 * A real redis-server for tests: a free port on 127.0.0.1, a fresh temp dir, no RDB
 * snapshots, AOF with fsync on every write unless told otherwise (Gatehouse refuses a
 * Redis that does not persist writes). Never touches a Redis the machine may already
 * run. Pair every start with `stop()` in an `after` hook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** AOF on (default). `false` only for the tests of Gatehouse refusing such a Redis. */
  readonly appendOnly?: boolean;
  /** AOF fsync policy; default `always`: every acknowledged write is on disk before the answer. */
  readonly appendFsync?: 'always' | 'everysec' | 'no';
  /** More redis-server arguments, e.g. `['--replicaof', '127.0.0.1', '6379']`. */
  readonly extraArgs?: readonly string[];
  /** Cluster mode with this one node owning all 16384 slots (CROSSSLOT rules apply). */
  readonly cluster?: boolean;
  readonly binary?: string;
}

export type RespValue = string | number | null | RespValue[] | Error;

export interface TestRedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Sends one command on a fresh connection; an error reply resolves to an Error. */
  command(...args: (string | number)[]): Promise<RespValue>;
  /** Terminates the server and removes its dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no final fsync; the dir is kept for restart(). */
  kill9(): Promise<void>;
  /** Starts the server again on the same port and dir (after kill9). */
  restart(): Promise<void>;
}

/**
 * Every running server, killed when this process exits or is terminated (a test file
 * that times out gets SIGTERM, and 'exit' listeners do not run on signals).
 */
const running = new Set<ChildProcess>();
let guarded = false;
function guardProcessExit(): void {
  if (guarded) return;
  guarded = true;
  const killAll = (): void => running.forEach((child) => child.kill('SIGKILL'));
  process.on('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Parses one RESP reply from `buf` at `at`; undefined when incomplete. */
function parse(buf: string, at: number): [RespValue, number] | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = buf[at];
  const line = buf.slice(at + 1, eol);
  const next = eol + 2;
  if (type === '+') return [line, next];
  if (type === '-') return [new Error(line), next];
  if (type === ':') return [Number(line), next];
  if (type === '$') {
    const length = Number(line);
    if (length < 0) return [null, next];
    // Lengths are bytes; test data is ASCII, so bytes = characters.
    if (buf.length < next + length + 2) return undefined;
    return [buf.slice(next, next + length), next + length + 2];
  }
  if (type === '*') {
    const count = Number(line);
    if (count < 0) return [null, next];
    const items: RespValue[] = [];
    let position = next;
    for (let i = 0; i < count; i += 1) {
      const item = parse(buf, position);
      if (item === undefined) return undefined;
      items.push(item[0]);
      position = item[1];
    }
    return [items, position];
  }
  throw new Error(`unexpected RESP type ${String(type)}`);
}

export function redisCommand(
  port: number,
  args: readonly (string | number)[],
  timeoutMs = 2000,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis command timed out'));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk: string) => {
      data += chunk;
      const reply = parse(data, 0);
      if (reply === undefined) return;
      clearTimeout(timer);
      socket.end();
      resolve(reply[0]);
    });
    const parts = args.map(String);
    socket.write(`*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`);
  });
}

async function waitForPing(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`redis-server exited early: ${output().slice(-500)}`);
    try {
      // The port was free when picked, but another process may have taken it since: only
      // our own server counts (its process id), or a test would talk to a stranger's.
      const info = await redisCommand(port, ['INFO', 'server'], 500);
      if (typeof info === 'string' && info.includes(`process_id:${child.pid}\r\n`)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING: ${output().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Makes a lone cluster node own every slot (kept in nodes.conf across restarts) and waits for state ok. */
async function ownAllSlots(port: number): Promise<void> {
  const slots = await redisCommand(port, ['CLUSTER', 'INFO']);
  if (typeof slots === 'string' && !slots.includes('cluster_slots_assigned:16384'))
    await redisCommand(port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await redisCommand(port, ['CLUSTER', 'INFO']);
    if (typeof info === 'string' && info.includes('cluster_state:ok')) return;
    if (Date.now() > deadline) throw new Error('the cluster node did not reach cluster_state:ok');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  guardProcessExit();

  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
    args.push('--appendonly', options.appendOnly === false ? 'no' : 'yes');
    args.push('--appendfsync', options.appendFsync ?? 'always', ...(options.extraArgs ?? []));
    if (options.cluster === true)
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-announce-ip',
        '127.0.0.1',
      );
    output = '';
    const started = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    await waitForPing(port, started, () => output);
    if (options.cluster === true) await ownAllSlots(port);
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    if (running === undefined) return;
    child = undefined;
    running.kill(signal);
    await exited(running);
  };

  try {
    // A port taken by another process between freePort() and the bind: pick another.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await launch();
        break;
      } catch (err) {
        if (attempt >= 3 || !output.includes('Address already in use')) throw err;
        await kill('SIGKILL');
        port = await freePort();
      }
    }
  } catch (err) {
    await kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    dir,
    command: (...args) => redisCommand(port, args),
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill9: () => kill('SIGKILL'),
    async restart() {
      if (child !== undefined) throw new Error('redis-server is still running');
      await launch();
    },
  };
}
