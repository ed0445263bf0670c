/**
 * The error a request body fails with past the deployment's size limit (chunked bodies,
 * counted by src/proxy/request-body.ts; a Content-Length over the limit is refused
 * before any byte is read). The forwarder turns it into 413 body_too_large.
 */
export class BodyTooLargeError extends Error {
  readonly code = 'GATEHOUSE_BODY_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}
