/**
 * One bounded GET of a JSON document (a JWKS or an OIDC discovery document) with the
 * global fetch: a hard deadline covering connect, headers and body, a size limit, the
 * response's Cache-Control max-age, and no redirects (a 3xx is an HTTP error). Failures
 * are values; bodies are never logged or returned in errors.
 *
 * The deadline is a timer this module holds, not `AbortSignal.timeout()`: on Node 20 a
 * full GC while the fetch waits can collect an `AbortSignal.timeout()` that nothing but
 * an `AbortSignal.any()` refers to, and then it never fires (the fetch waits for the
 * peer, up to undici's 300 s header timeout). The held timer aborts the fetch and also
 * settles the answer itself, so the caller gets `timeout` on time whatever undici does
 * with the abort. No undici import here: forwarder.ts stays the only one.
 */

/** Largest JWKS or discovery document read. */
export const MAX_DOCUMENT_BYTES = 512 * 1024;

/** Metric `result` label values of a fetch. */
export type FetchResult = 'success' | 'timeout' | 'network_error' | 'http_error' | 'invalid';

export type JsonFetch =
  | { readonly ok: true; readonly body: unknown; readonly maxAgeSec: number | undefined }
  | {
      readonly ok: false;
      readonly result: Exclude<FetchResult, 'success'>;
      readonly detail: string;
      readonly status?: number;
    };

/** `max-age` of a Cache-Control header in seconds; no-store / no-cache count as 0. */
export function cacheControlMaxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  let maxAge: number | undefined;
  for (const directive of header.toLowerCase().split(',')) {
    const [name = '', value] = directive.trim().split('=', 2);
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && value !== undefined && /^\d{1,9}$/.test(value.replace(/"/g, '')))
      maxAge = Number(value.replace(/"/g, ''));
  }
  return maxAge;
}

/** Scheme, host and path only: enough to find the endpoint, no user info or query. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return new Uint8Array();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function describeError(error: unknown): { result: 'timeout' | 'network_error'; detail: string } {
  if (error instanceof Error && error.name === 'TimeoutError')
    return { result: 'timeout', detail: 'timed out' };
  if (error instanceof Error && error.name === 'AbortError')
    return { result: 'network_error', detail: 'aborted' };
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return {
    result: 'network_error',
    detail: code ?? (error instanceof Error ? error.message : 'request failed'),
  };
}

const TIMED_OUT: JsonFetch = Object.freeze({ ok: false, result: 'timeout', detail: 'timed out' });

/** A timeout as fetch reports it, so describeError() sees one kind of error for both. */
function timeoutError(): Error {
  return new DOMException('timed out', 'TimeoutError');
}

/** GET `url`, read at most `maxBytes`, parse JSON; settles by `timeoutMs` at the latest. Never rejects. */
export async function fetchJson(
  url: string,
  options: { readonly timeoutMs: number; readonly signal: AbortSignal; readonly maxBytes?: number },
): Promise<JsonFetch> {
  const controller = new AbortController();
  const stop = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) stop();
  else options.signal.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<JsonFetch>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(timeoutError());
      resolve(TIMED_OUT);
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([fetchAndParse(url, controller.signal, options.maxBytes), deadline]);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
  }
}

async function fetchAndParse(
  url: string,
  signal: AbortSignal,
  maxBytes = MAX_DOCUMENT_BYTES,
): Promise<JsonFetch> {
  let bytes: Uint8Array | undefined;
  let maxAgeSec: number | undefined;
  try {
    // Redirects are not followed (as jose's remote JWKS): a redirect could lead the fetch
    // to plain http or to another host, around the https rule checked on the configured URL.
    const response = await fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
      return {
        ok: false,
        result: 'http_error',
        detail: `HTTP ${response.status}${redirect}`,
        status: response.status,
      };
    }
    maxAgeSec = cacheControlMaxAge(response.headers.get('cache-control'));
    bytes = await readLimited(response, maxBytes);
  } catch (error) {
    return { ok: false, ...describeError(error) };
  }
  if (!bytes) return { ok: false, result: 'invalid', detail: 'document too large' };
  try {
    const body: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return { ok: true, body, maxAgeSec };
  } catch {
    return { ok: false, result: 'invalid', detail: 'document is not valid JSON' };
  }
}
