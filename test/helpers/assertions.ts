import assert from 'node:assert/strict';
import type { SimpleResponse } from './http.js';

interface ErrorJson {
  error?: unknown;
  message?: unknown;
  requestId?: unknown;
}

/**
 * A Gatehouse error answer: the status, the JSON `error` code, a message, a requestId
 * equal to the X-Request-Id header, and (for non-401 errors) no WWW-Authenticate.
 */
export function assertGatehouseError(res: SimpleResponse, status: number, code: string): void {
  assert.equal(res.status, status, `status (body: ${res.text})`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<ErrorJson>();
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0, 'message is not empty');
  assert.equal(typeof body.requestId, 'string');
  assert.equal(res.headers['x-request-id'], body.requestId, 'X-Request-Id header equals requestId');
  if (status !== 401) assert.equal(res.headers['www-authenticate'], undefined);
}
