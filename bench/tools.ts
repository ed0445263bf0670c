/** The external programs the benchmark needs, checked before anything starts. */
import { spawnSync } from 'node:child_process';

function installed(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, [...args], { stdio: 'ignore' });
  return result.error === undefined;
}

/** An error message naming what is missing and how to install it, or undefined when all is there. */
export function missingTools(): string | undefined {
  const missing: string[] = [];
  if (!installed('taskset', ['-V'])) missing.push('taskset (util-linux)');
  if (!installed('wrk', ['-v'])) missing.push('wrk');
  if (missing.length === 0) return undefined;
  return (
    `npm run bench needs ${missing.join(' and ')}. On Debian/Ubuntu:\n` +
    '  apt-get install -y wrk nginx-light util-linux\n' +
    '(nginx is optional: without it a Node upstream is used, which takes more of the load core.)'
  );
}
