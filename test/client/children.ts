/**
 * SDK child processes for the sharing tests (sdk-child.ts): started together, so that
 * they all reach their first token request at the same moment.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support.js';

export interface Child {
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly done: Promise<{ code: number; output: string }>;
}

export function startChild(env: NodeJS.ProcessEnv, args: string[] = []): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/client/sdk-child.ts'), ...args],
    {
      cwd: ROOT,
      env,
    },
  );
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString('utf8');
    if (output.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const done = new Promise<{ code: number; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? 1, output })),
  );
  return { child, ready, done };
}

/** Starts the children, waits until each has loaded, then lets them all go at once. */
export async function runTogether(children: Child[]): Promise<{ code: number; output: string }[]> {
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

export const resultOf = (output: string): { username?: string; jwt?: string; error?: string } =>
  JSON.parse(output.split('\n').find((l) => l.startsWith('{')) ?? '{}') as never;
