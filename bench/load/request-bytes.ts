/**
 * Pre-built GET requests, the way the wrk script builds them: one per header line
 * (used in turn, each with a random path) or one per path (picked at random).
 */
import { readFileSync } from 'node:fs';

export interface RequestSource {
  readonly paths: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  /** One `Name: value` line per request, used in turn from `firstHeaderLine`. */
  readonly headerLines: readonly string[];
  readonly firstHeaderLine: number;
  /** host:port for the Host header. */
  readonly host: string;
}

export function readLines(file: string | undefined): string[] {
  return file === undefined
    ? []
    : readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
}

function randomItem<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('no items to pick from');
  return item;
}

function requestBytes(path: string, source: RequestSource, extraLine: string | undefined): Buffer {
  let head = `GET ${path} HTTP/1.1\r\nHost: ${source.host}\r\n`;
  for (const [name, value] of Object.entries(source.headers)) head += `${name}: ${value}\r\n`;
  if (extraLine !== undefined) head += `${extraLine}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** Returns the bytes of request number i. */
export function createRequestSequence(source: RequestSource): (i: number) => Buffer {
  if (source.headerLines.length > 0) {
    const requests = source.headerLines.map((line) => requestBytes(randomItem(source.paths), source, line));
    return (i) => requests[(source.firstHeaderLine + i) % requests.length] ?? randomItem(requests);
  }
  const requests = source.paths.map((path) => requestBytes(path, source, undefined));
  return () => randomItem(requests);
}
