/** Ports and readiness over HTTP. */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** One GET; never throws (a connection error is status 0). */
export async function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Polls `url` until it answers 200. Gives up after `timeoutMs`, or at once when
 * `abandoned` resolves (the process being waited for exited).
 */
export async function waitFor200(url: string, timeoutMs: number, abandoned: Promise<unknown>): Promise<void> {
  let gone = false;
  void abandoned.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  let last: HttpAnswer = { status: 0, body: 'not tried' };
  while (Date.now() < deadline) {
    if (gone) throw new Error(`exited before ${url} answered 200`);
    last = await httpGet(url);
    if (last.status === 200) return;
    await sleep(50);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last.status} ${last.body})`);
}
