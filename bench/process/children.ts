/**
 * Every child process of the benchmark goes through here: pinned to a core with
 * `taskset -c CPU` (which execs the command, so the child's pid is the command's own),
 * tracked, and stopped on exit, failure or Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const TAIL_BYTES = 8192;
const live = new Set<ChildProcess>();

export interface PinnedChild {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** The last few kilobytes of stderr (and of stdout when captured), for error messages. */
  outputTail(): string;
  /** Everything written to stdout when `captureStdout` was set. */
  stdout(): string;
  /** True until the process has exited. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Keep stdout (load generators print results there); otherwise it goes to /dev/null. */
  readonly captureStdout?: boolean;
  readonly cwd?: string;
}

function keepTail(previous: string, chunk: Buffer): string {
  const next = previous + chunk.toString('utf8');
  return next.length > TAIL_BYTES ? next.slice(-TAIL_BYTES) : next;
}

/** Runs `command args` pinned to `cpu` (one core, or a list of cores it may use). */
export function spawnPinned(
  name: string,
  cpu: number | readonly number[],
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): PinnedChild {
  const child = spawn(
    'taskset',
    ['-c', typeof cpu === 'number' ? String(cpu) : cpu.join(','), command, ...args],
    {
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    },
  );
  let tail = '';
  let out = '';
  child.stderr?.on('data', (chunk: Buffer) => (tail = keepTail(tail, chunk)));
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    tail = keepTail(tail, chunk);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => {
      tail = keepTail(tail, Buffer.from(err.message));
      resolve('spawn-error');
    });
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start taskset ${command}`);
  live.add(child);
  void exited.then(() => live.delete(child));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name,
    pid: child.pid,
    exited,
    outputTail: () => tail.trim(),
    stdout: () => out,
    alive,
    stop: async (graceMs = 3000) => {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a pinned command to completion and returns its stdout; throws with its output on failure. */
export async function runPinned(
  name: string,
  cpu: number,
  command: string,
  args: readonly string[],
): Promise<string> {
  const child = spawnPinned(name, cpu, command, args, { captureStdout: true });
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} exited with ${String(code)}:\n${child.outputTail()}`);
  return child.stdout();
}

/** Last resort on process exit: whatever is still running gets SIGKILL. */
export function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export function liveChildren(): number {
  return live.size;
}
