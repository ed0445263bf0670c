import { Transform, type Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  readonly code = 'GATEHOUSE_BODY_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * Streams `source` through a byte counter that fails with BodyTooLargeError past `limit`.
 * Used only for bodies of unknown length (chunked); a Content-Length above the limit is
 * refused before any byte is read. The source is unpiped, not destroyed, on overflow so
 * that a 413 can still be written on the client connection.
 */
export function limitBodySize(source: Readable, limit: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        source.unpipe(counter);
        callback(new BodyTooLargeError(limit));
      } else callback(null, chunk);
    },
  });
  source.on('error', (err) => counter.destroy(err));
  source.pipe(counter);
  return counter;
}
