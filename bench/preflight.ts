/** One request before the load: it must reach the upstream through the proxy (a benchmark of 404s is worthless). */
import { readFile } from 'node:fs/promises';
import type { PreparedLoad } from './load/prepare-load.js';
import { httpGet } from './process/net.js';
import { UPSTREAM_BODY } from './upstream/nginx.js';

async function firstHeaderLine(file: string | undefined): Promise<Record<string, string>> {
  if (file === undefined) return {};
  const line = (await readFile(file, 'utf8')).split('\n')[0] ?? '';
  const colon = line.indexOf(':');
  if (colon < 1) throw new Error(`${file}: the first line is not "Name: value"`);
  return { [line.slice(0, colon).trim()]: line.slice(colon + 1).trim() };
}

async function lastPath(load: PreparedLoad): Promise<string | undefined> {
  if (load.pathsFile === undefined) return undefined;
  return (await readFile(load.pathsFile, 'utf8')).trim().split('\n').pop();
}

/** Throws unless the first (and last) path answers 200 with the upstream's body. */
export async function preflight(load: PreparedLoad, baseUrl: string): Promise<void> {
  const headers = { ...load.headers, ...(await firstHeaderLine(load.headersFile)) };
  const last = await lastPath(load);
  for (const path of last === undefined ? [load.path] : [load.path, last]) {
    const answer = await httpGet(baseUrl + path, headers);
    if (answer.status !== 200 || answer.body !== UPSTREAM_BODY)
      throw new Error(`preflight GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
}
