/** Where things are: the repository root and the compiled bench scripts run as child processes. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"name": "gatehouse"')) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no gatehouse package.json above ${start}`);
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot(here);

/** A compiled script of bench/ (e.g. "proxies/undici-passthrough.js"), next to this module. */
export function benchScript(relative: string): string {
  return join(here, relative);
}

export const GATEHOUSE_BIN = join(REPO_ROOT, 'bin', 'gatehouse.js');
