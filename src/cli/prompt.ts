/**
 * Reading a password: at a prompt without echo on the terminal (npm's `read`, which
 * puts the terminal in raw mode before writing the prompt to stderr and mutes its own
 * output), or the whole of stdin for scripts (`--password-stdin`). Never from a flag.
 */
import { read } from 'read';

export class PromptError extends Error {}

export async function promptPassword(label = 'Password:'): Promise<string> {
  if (!process.stdin.isTTY || !process.stderr.isTTY)
    throw new PromptError('no terminal to ask for the password on: use --password-stdin');
  try {
    const password = await read({ prompt: label, silent: true, replace: '', output: process.stderr });
    if (password === '') throw new PromptError('no password given');
    return password;
  } catch (err) {
    if (err instanceof Error && err.message === 'canceled') throw new PromptError('canceled');
    throw err;
  }
}

/** All of stdin, without one trailing newline. */
export async function readStdin(what: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text === '') throw new PromptError(`no ${what} on stdin`);
  return text;
}
