/**
 * Helpers for the client tests: the `gatehouse` CLI run from the TypeScript sources as a
 * child process (plainly, or inside a pseudo-terminal made by util-linux `script`, as a
 * person at a terminal would run it), a private HOME per test, and audit counts that
 * show how many grants the server really made.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gatehouse } from '../../src/gatehouse.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'scripts/gatehouse-dev.ts')];

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A HOME folder of its own, so ~/.gatehouse is the test's. */
export function privateHome(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
}

/** The environment for a child: no GATEHOUSE_* from outside, a private HOME. */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  delete env.NODE_TEST_CONTEXT;
  for (const name of Object.keys(env))
    if (name.startsWith('GATEHOUSE_') && !(name in extra)) delete env[name];
  return env;
}

/** `gatehouse …` with pipes; `stdin` is written then closed. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI[0] as string, [...CLI.slice(1), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `gatehouse …` in a pseudo-terminal (`script -q -e -c … /dev/null`): its stdin, stdout and
 * stderr are the terminal. With our stdin a pipe, `script` leaves ECHO on in the terminal,
 * as a real one is: only the program turning echo off keeps the typed password off the
 * screen. `answers` are typed (each after its prompt appeared on the screen).
 */
export function runCliInTerminal(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  answers: readonly { prompt: RegExp; type: string }[],
): Promise<{ code: number; screen: string }> {
  const command = [...CLI, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: ROOT, env });
    let screen = '';
    let next = 0;
    const typeWhenPrompted = (): void => {
      const answer = answers[next];
      if (answer && answer.prompt.test(screen)) {
        next++;
        child.stdin.write(answer.type);
      }
    };
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString('utf8');
      typeWhenPrompted();
    });
    child.stderr.on('data', (c: Buffer) => (screen += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', () => child.stdin.end());
    child.on('close', (code) => resolve({ code: code ?? 1, screen: screen.replace(/\r\n/g, '\n') }));
  });
}

/** How many audit records of `action` the server wrote (a grant is audited before it is answered). */
export async function auditCount(gatehouse: Gatehouse, action: string, outcome = 'success'): Promise<number> {
  const page = await gatehouse.store.queryAudit({ action }, { limit: 1000 });
  return page.items.filter((r) => r.outcome === outcome).length;
}
