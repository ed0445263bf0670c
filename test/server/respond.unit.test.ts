/**
 * The one JSON error writer: the same bytes for a prebuilt (frozen) error as for one
 * built per request, on a response and on a raw socket; the body is exactly
 * errors.ts errorBody().
 */
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { errorBody, GatehouseError } from '../../src/errors.js';
import { errorJson, sendError, sendErrorOnSocket } from '../../src/server/respond.js';
import { parseRawResponse } from '../helpers/http.js';

function written(stream: PassThrough): string {
  const chunks: Buffer[] = [];
  let chunk: Buffer | null;
  while ((chunk = stream.read() as Buffer | null) !== null) chunks.push(chunk);
  return Buffer.concat(chunks).toString('latin1');
}

const errors = (): GatehouseError[] => [
  new GatehouseError('missing_credentials', undefined, {
    headers: { 'www-authenticate': 'Bearer realm="gatehouse"' },
  }),
  new GatehouseError('bad_request', 'A "quoted" \\ message \u2028 with ünïcode.'),
  new GatehouseError('conflict', 'Blocked.', { details: { blocking: ['a', 'b'] } }),
];

describe('the JSON error writer (unit)', () => {
  for (const error of errors())
    it(`${error.code}: the body is errorBody(), frozen or not`, () => {
      const expected = JSON.stringify(errorBody(error, 'req-"1"'));
      assert.equal(errorJson(error, 'req-"1"'), expected);
      assert.equal(errorJson(Object.freeze(error), 'req-"1"'), expected);
      assert.equal(
        errorJson(error, 'req-2'),
        JSON.stringify(errorBody(error, 'req-2')),
        'cached per error, not per id',
      );
    });

  it('writes status, no-store, nosniff, the request id and the error headers on a response', () => {
    const socket = new PassThrough();
    const res = new ServerResponse(new IncomingMessage(socket as unknown as Socket));
    res.assignSocket(socket as unknown as Socket);
    const error = Object.freeze(errors()[0] as GatehouseError);
    sendError(res, error, 'rid-1', true);
    const answer = parseRawResponse(written(socket));
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.equal(answer.headers['x-request-id'], 'rid-1');
    assert.equal(answer.headers['www-authenticate'], 'Bearer realm="gatehouse"');
    assert.equal(answer.headers.connection, 'close');
    assert.deepEqual(answer.json(), errorBody(error, 'rid-1'));
  });

  it('writes the same answer on a raw socket and closes it', () => {
    const socket = new PassThrough();
    const error = errors()[2] as GatehouseError;
    sendErrorOnSocket(socket, error, 'rid-2');
    const answer = parseRawResponse(written(socket));
    assert.equal(answer.status, 409);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.equal(answer.headers.connection, 'close');
    assert.deepEqual(answer.json(), errorBody(error, 'rid-2'));
    assert.equal(socket.writableEnded, true);
  });
});
