/**
 * The import graph between top-level folders of src/ (files at the top count as their
 * own room: errors.ts → "errors"), checked against the layer order below. Prints every
 * edge, then every upward edge (a lower layer importing a higher one) with the files
 * that cause it. Exits 1 when there are more upward edges than ALLOWED_UPWARD.
 * The same order is enforced per import by the ESLint rule in eslint.config.js
 * (both read LAYERS from scripts/layer-order.mjs). `npm run layers`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ALLOWED_UPWARD, LAYERS, STANDALONE } from './layer-order.mjs';

const SRC = resolve(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return files(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level room of a file under src/. */
function roomOf(path: string): string {
  const first = relative(SRC, path).split(sep)[0] ?? '';
  return first.replace(/\.(ts|js)$/, '');
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g;

const layerOf = new Map<string, number>();
LAYERS.forEach((rooms, i) => rooms.forEach((room) => layerOf.set(room, i)));

const edges = new Map<string, Set<string>>();
for (const file of files(SRC)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (!spec) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(SRC + sep)) continue;
    const from = roomOf(file);
    const to = roomOf(target);
    if (from === to) continue;
    const key = `${from} -> ${to}`;
    const set = edges.get(key) ?? new Set<string>();
    set.add(relative(SRC, file));
    edges.set(key, set);
  }
}

const upward: string[] = [];
const unknown = new Set<string>();
for (const key of [...edges.keys()].sort()) {
  const [from = '', to = ''] = key.split(' -> ');
  for (const room of [from, to]) if (!layerOf.has(room) && !STANDALONE.includes(room)) unknown.add(room);
  const up = STANDALONE.includes(from) || (layerOf.get(from) ?? -1) < (layerOf.get(to) ?? -1);
  if (up) upward.push(key);
  console.log(`${up ? '↑' : ' '} ${key}  (${edges.get(key)?.size ?? 0} files)`);
}
console.log(`\n${edges.size} edges between top-level folders; ${upward.length} upward:`);
for (const key of upward) console.log(`  ${key}: ${[...(edges.get(key) ?? [])].join(', ')}`);
if (unknown.size > 0) console.log(`folders missing from the layer order: ${[...unknown].join(', ')}`);
console.log(`\nlayers, bottom up: ${LAYERS.map((l) => l.join('/')).join(' < ')}`);
if (upward.length > ALLOWED_UPWARD || unknown.size > 0) process.exitCode = 1;
