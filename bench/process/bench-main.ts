/**
 * What every benchmark entry point does around its work: refuse to start without its
 * tools, give the run a scratch folder, and make sure no child process (proxies, nginx,
 * Redis, load generators) outlives it, whether it ends, fails or is interrupted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingTools } from '../tools.js';
import { killAllNow } from './children.js';

/** Runs `main` in a fresh `<tmp>/<prefix>XXXXXX` folder; its result becomes the exit code. */
export function runBench(prefix: string, main: (workDir: string) => Promise<number>): void {
  const missing = missingTools();
  if (missing) {
    console.error(missing);
    process.exitCode = 1;
    return;
  }
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const cleanUp = (): void => {
    killAllNow();
    rmSync(workDir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every benchmark process`);
      cleanUp();
      process.exit(130);
    });
  main(workDir).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
