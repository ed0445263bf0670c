/**
 * Requests before the load: each must reach the upstream through the proxy (a benchmark
 * of 404s is worthless); for an auth scenario, the same request without its credential,
 * and with the credential altered, must be refused with 401 (a benchmark of an auth path
 * that lets everything through is worthless too).
 */
import { readFile } from 'node:fs/promises';
import { altered } from './auth/checks.js';
import type { PreparedLoad } from './load/prepare-load.js';
import { httpGet, type HttpAnswer } from './process/net.js';
import type { AuthExpectation } from './scenario-types.js';
import { UPSTREAM_BODY } from './upstream/nginx.js';

/** One GET over the scenario's transport (plain HTTP/1.1 unless the scenario serves TLS). */
export type Getter = (url: string, headers: Record<string, string>) => Promise<HttpAnswer>;

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

async function expectStatus(
  get: Getter,
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  status: number,
  what: string,
): Promise<void> {
  const answer = await get(baseUrl + path, headers);
  const upstreamOk = status !== 200 || answer.body === UPSTREAM_BODY;
  if (answer.status !== status || !upstreamOk)
    throw new Error(
      `preflight GET ${path} ${what} answered ${answer.status} (expected ${status}): ${answer.body.slice(0, 300)}`,
    );
}

/** The 401 checks of an auth scenario, on the first request of the load. */
async function authPreflight(
  get: Getter,
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  auth: AuthExpectation,
): Promise<void> {
  const name = Object.keys(headers).find((h) => h.toLowerCase() === auth.credentialHeader.toLowerCase());
  const credential = name === undefined ? undefined : headers[name];
  if (name === undefined || credential === undefined)
    throw new Error(`preflight: the load sends no ${auth.credentialHeader} header`);
  const without = Object.fromEntries(Object.entries(headers).filter(([h]) => h !== name));
  await expectStatus(get, baseUrl, path, without, 401, `without ${name}`);
  await expectStatus(
    get,
    baseUrl,
    path,
    { ...without, [name]: altered(credential) },
    401,
    `with ${name} altered`,
  );
}

/**
 * Throws unless the first (and last) path answers 200 with the upstream's body; for an
 * auth scenario, also unless the first path answers 401 without the credential and with
 * it altered. `get` carries the requests (TLS scenarios: over TLS, HTTP/1.1 or h2).
 */
export async function preflight(
  load: PreparedLoad,
  baseUrl: string,
  auth?: AuthExpectation,
  get: Getter = httpGet,
): Promise<void> {
  const headers = { ...load.headers, ...(await firstHeaderLine(load.headersFile)) };
  const last = await lastPath(load);
  for (const path of last === undefined ? [load.path] : [load.path, last])
    await expectStatus(get, baseUrl, path, headers, 200, 'with the scenario headers');
  if (auth) await authPreflight(get, baseUrl, load.path, headers, auth);
}
