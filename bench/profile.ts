/**
 * Text summary of a V8 CPU profile (`node --cpu-prof`): the functions with the most
 * self time, with their share of all samples, and the same grouped by file.
 *
 *   BENCH_GATEHOUSE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" \
 *     npm run bench -- --only gatehouse-jwt-hs256-cold --no-fixed-rate
 *   node dist/bench/profile.js /tmp/prof            # newest .cpuprofile in the folder
 *   node dist/bench/profile.js some.cpuprofile --top 40
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './paths.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

function newestProfile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(path, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files[0] === undefined) throw new Error(`no .cpuprofile in ${path}`);
  return files[0];
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path.replace(/^.*node_modules\//, '~/');
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'}  ${shortUrl(url)}${url === '' ? '' : `:${lineNumber + 1}`}`;
}

function top(counts: Map<string, number>, total: number, n: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, count]) => `${((count / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

export function summarize(profile: CpuProfile, n: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    const name = label(node);
    functions.set(name, (functions.get(name) ?? 0) + 1);
    const file = shortUrl(node.callFrame.url);
    files.set(file, (files.get(file) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  return [
    `${total} samples over ${seconds.toFixed(1)} s`,
    '',
    `Top ${n} functions by self time:`,
    ...top(functions, total, n),
    '',
    'Self time by file:',
    ...top(files, total, Math.min(n, 25)),
  ].join('\n');
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const target = positionals[0];
if (target === undefined) {
  console.error('usage: node dist/bench/profile.js <file.cpuprofile | folder> [--top N]');
  process.exit(2);
}
const file = newestProfile(target);
console.log(`${file}\n`);
console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top)));
