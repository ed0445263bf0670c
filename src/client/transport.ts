/**
 * The SDK's HTTP: undici's fetch through one Agent carrying the TLS settings, with
 * retries (retry.ts) and a total deadline that covers every attempt and wait until an
 * answer's headers arrive (reading the body is not limited by it). This is the only
 * SDK file that imports undici.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch, type RequestInit, type Response } from 'undici';
import { ConnectionError } from './errors.js';
import { backoffDelayMs, isIdempotent, RETRY_STATUSES, type RetryPolicy } from './retry.js';
import { parseRetryAfter } from './errors.js';
import { tlsConnectOptions, type TlsSettings } from './tls.js';

export type { RequestInit, Response } from 'undici';
export { Headers } from 'undici';

export interface SendOptions {
  /** Retry even though the method is not idempotent (the caller knows repeating is safe). */
  readonly retryUnsafe?: boolean;
}

/** A body that can be sent again on a retry. */
function replayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    body instanceof URLSearchParams
  );
}

export class Transport {
  private readonly agent: Agent | undefined;

  constructor(
    tls: TlsSettings,
    private readonly policy: RetryPolicy,
  ) {
    const connect = tlsConnectOptions(tls);
    this.agent = connect ? new Agent({ connect }) : undefined;
  }

  /** Sends with retries; resolves with the last answer (any status) or throws ConnectionError. */
  async send(url: string | URL, init: RequestInit = {}, options: SendOptions = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const mayRetry = (options.retryUnsafe === true || isIdempotent(method)) && replayable(init.body);
    const deadline = Date.now() + this.policy.deadlineMs;
    /** The previous answer, kept unread until a later attempt answers: the deadline may cut that one. */
    let previous: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let failure: unknown;
      try {
        res = await this.attempt(url, init, deadline - Date.now());
      } catch (err) {
        if (init.signal?.aborted) throw err;
        failure = err;
      }
      if (res && previous) await previous.body?.cancel().catch(() => undefined);
      res ??= previous;
      previous = undefined;
      const retryAfter = res ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
      const again =
        mayRetry && attempt < this.policy.retries && (res === undefined || RETRY_STATUSES.has(res.status));
      const wait = again ? backoffDelayMs(this.policy, attempt, retryAfter) : 0;
      if (!again || Date.now() + wait >= deadline) {
        if (res) return res;
        throw new ConnectionError({
          status: 0,
          error: 'connection_failed',
          message: `cannot reach ${new URL(url).origin}: ${describe(failure)}`,
        });
      }
      previous = res;
      await sleep(wait, undefined, init.signal ? { signal: init.signal } : undefined);
    }
  }

  private async attempt(url: string | URL, init: RequestInit, remainingMs: number): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('the deadline passed')), remainingMs);
    const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    try {
      return await fetch(url, {
        ...init,
        signal,
        ...(this.agent ? { dispatcher: this.agent } : {}),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} ${cause.message}` : cause.message;
  }
  return err.message;
}
