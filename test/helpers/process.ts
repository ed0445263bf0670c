import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { withTestDefaults, type ConfigObject } from './gatehouse.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `gatehouse start` from the TypeScript sources in a child process (its own memory, its own signals). */
export interface GatehouseProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly adminUrl: string;
  readonly dir: string;
  readonly configPath: string;
  /** JSON log lines from the child's stdout. */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  readonly exited: Promise<ProcessExit>;
  writeConfig(config: ConfigObject): void;
  /** Fields of /proc/<pid>/status in kB (VmRSS, VmHWM, ...). Linux only. */
  memoryKb(): Record<string, number>;
  /** SIGTERM, wait for the exit (SIGKILL after `timeoutMs`), remove the folder. */
  stop(timeoutMs?: number): Promise<ProcessExit>;
}

export async function startGatehouseProcess(
  config: ConfigObject,
  options: { env?: Record<string, string>; startTimeoutMs?: number } = {},
): Promise<GatehouseProcess> {
  const level = (config.logging as { level?: string } | undefined)?.level;
  if (level !== undefined && !['info', 'debug', 'trace'].includes(level))
    throw new Error('the child must log at info or lower: its "gatehouse listening" line carries the ports');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-proc-'));
  const configPath = join(dir, 'gatehouse.yaml');
  const writeConfig = (c: ConfigObject): void => writeFileSync(configPath, stringify(withTestDefaults(c)));
  writeConfig(config);
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  delete env.NODE_TEST_CONTEXT; // not a node:test child
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/gatehouse-dev.ts'), 'start', '--config', configPath],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let listening: ((line: Record<string, unknown>) => void) | undefined;
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (text.trim() === '') continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text, unparsed: true };
      }
      lines.push(line);
      if (line.msg === 'gatehouse listening') listening?.(line);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = await Promise.race([
    new Promise<Record<string, unknown>>((resolve) => (listening = resolve)),
    exited.then((exit) => exit),
    new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), options.startTimeoutMs ?? 30_000).unref(),
    ),
  ]);
  if (started === 'timeout' || 'code' in started) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`gatehouse process did not start (${JSON.stringify(started)}): ${stderr.join('')}`);
  }
  const pid = child.pid as number;
  return {
    child,
    pid,
    url: String(started.dataPlane),
    adminUrl: String(started.admin),
    dir,
    configPath,
    lines,
    stderr,
    exited,
    writeConfig,
    memoryKb: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const out: Record<string, number> = {};
      for (const match of status.matchAll(/^(Vm\w+|Rss\w+):\s+(\d+) kB$/gm))
        out[match[1] as string] = Number(match[2]);
      return out;
    },
    stop: async (timeoutMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return exit;
    },
  };
}
