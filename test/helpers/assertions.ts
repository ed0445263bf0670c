import assert from 'node:assert/strict';
import type { RawResponse, SimpleResponse } from './http.js';

/** An answer read by `send` or by `sendRawRequest`. */
export type AnyResponse = SimpleResponse | RawResponse;

const textOf = (res: AnyResponse): string => ('text' in res ? res.text : res.body);

interface ErrorJson {
  error?: unknown;
  message?: unknown;
  requestId?: unknown;
}

/**
 * A Gatehouse error answer: the status, the JSON `error` code, a message, a requestId
 * equal to the X-Request-Id header, and no WWW-Authenticate unless it is a 401 or 403 insufficient_scope.
 */
export function assertGatehouseError(res: AnyResponse, status: number, code: string): void {
  const text = textOf(res);
  assert.equal(res.status, status, `status (body: ${text.slice(0, 300)})`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<ErrorJson>();
  assert.equal(body.error, code, text.slice(0, 300));
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0, 'message is not empty');
  assert.equal(typeof body.requestId, 'string');
  assert.equal(res.headers['x-request-id'], body.requestId, 'X-Request-Id header equals requestId');
  // 401s and 403 insufficient_scope carry a challenge (RFC 6750 3); no other error does.
  if (status !== 401 && code !== 'insufficient_scope')
    assert.equal(res.headers['www-authenticate'], undefined);
}

/** What upstreams had received when it was made, to tell afterwards whether a request reached one. */
export interface UpstreamWitness {
  /** Requests received since, across the watched upstreams. */
  since(): number;
}

/** Make it just before the request whose effect upstream is to be checked. */
export function witness(...upstreams: readonly { readonly requests: readonly unknown[] }[]): UpstreamWitness {
  const before = upstreams.map((u) => u.requests.length);
  return { since: () => upstreams.reduce((sum, u, i) => sum + u.requests.length - (before[i] ?? 0), 0) };
}

export interface ExpectedRefusal {
  readonly status: number;
  /** The JSON `error` code. */
  readonly error: string;
  /** Whether the request reached an upstream (false for every refusal Gatehouse makes itself). */
  readonly reached: boolean;
  /** Text (a credential) that must appear neither in the body nor in WWW-Authenticate. */
  readonly notEchoing?: string;
}

/**
 * The one refusal assertion of the data-plane tests: the status, the error code and the
 * rest of the Gatehouse error shape (assertGatehouseError), whether the upstream was
 * reached, and optionally that the credential is not echoed back.
 *
 *   const seen = witness(upstream);
 *   const res = await send(gh.url, '/api/x', { headers: { authorization: 'Bearer nope' } });
 *   assertRefused(res, seen, { status: 401, error: 'invalid_token', reached: false });
 */
export function assertRefused(res: AnyResponse, seen: UpstreamWitness, expected: ExpectedRefusal): void {
  assertGatehouseError(res, expected.status, expected.error);
  if (expected.reached) assert.ok(seen.since() > 0, 'the upstream was reached');
  else assert.equal(seen.since(), 0, 'the upstream was not reached');
  if (expected.notEchoing !== undefined) {
    assert.ok(!textOf(res).includes(expected.notEchoing), 'the credential is not echoed in the body');
    assert.ok(
      !String(res.headers['www-authenticate'] ?? '').includes(expected.notEchoing),
      'the credential is not echoed in WWW-Authenticate',
    );
  }
}
