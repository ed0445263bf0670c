/**
 * The request body as the upstream request reads it: a stream Gatehouse owns, fed from
 * the client's request.
 *
 * - It is never the client's IncomingMessage itself: aborting the upstream request
 *   destroys only this stream, so the client connection can still carry an answer
 *   (408, 413) and is then closed.
 * - Held back until `bufferBytes` have arrived or the body ended (`ready` is called
 *   then): a client that trickles its body does not hold an upstream connection while
 *   it does, so a few hundred slow uploads cannot take a node's whole pool. Bodies up to
 *   that size reach the upstream in one go. The data plane never looks at the bytes.
 * - A body of unknown length (chunked) is counted against `limitBytes`; past it the
 *   stream fails with BodyTooLargeError and the client's request is left unread (not
 *   destroyed) so a 413 can still be written.
 * - The client leaving fails the stream with ClientGoneError, never with a socket error
 *   that would count against the upstream node.
 */
import { PassThrough, type Readable } from 'node:stream';
import { BodyTooLargeError } from './body-limit.js';
import { ClientGoneError } from './forward-failure.js';
import type { BodyProgress } from './relay.js';

export interface RequestBodyOptions {
  /** 0 = not counted (the length is known and already checked, or there is no limit). */
  readonly limitBytes: number;
  /** Bytes to receive before `ready`; 0 = ready at once. */
  readonly bufferBytes: number;
}

/** `ready` gets the stream once buffered, or the error that ended the body before that. */
export type BodyReady = (body: Readable | BodyTooLargeError | ClientGoneError) => void;

export class RequestBody implements BodyProgress {
  readonly stream = new PassThrough();
  lastChunkAt = 0;
  private received = 0;
  private released = false;
  private detached = false;

  constructor(
    private readonly source: Readable,
    private readonly options: RequestBodyOptions,
    private readonly ready: BodyReady,
    /** The whole body arrived (not called when it failed). */
    private readonly ended?: () => void,
  ) {
    source.on('data', this.onData);
    source.on('end', this.onEnd);
    source.on('error', this.onSourceError);
    source.on('close', this.onSourceClose);
    // The upstream request is done with the body (read it all, or stopped early): the rest
    // of the client's body, if any, is read and dropped, as Node does for unread bodies,
    // so the connection can carry the next request (the request deadline still applies).
    this.stream.on('close', this.drainRest);
    // Its errors are the upstream request's to handle; one raised before (or after) it
    // reads the stream must not become an uncaught exception.
    this.stream.on('error', ignore);
    if (options.bufferBytes === 0) this.release();
  }

  /** Gives up on the body (deadline, refusal): the upstream request reading it fails. */
  abort(): void {
    this.detach();
    if (!this.stream.destroyed) this.stream.destroy(new ClientGoneError('request body abandoned'));
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.ready(this.stream);
  }

  private fail(err: BodyTooLargeError | ClientGoneError): void {
    this.detach();
    if (this.released) this.stream.destroy(err);
    else {
      this.released = true;
      this.stream.destroy();
      this.ready(err);
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.stream.destroyed) return this.detach();
    this.received += chunk.length;
    this.lastChunkAt = performance.now();
    if (this.options.limitBytes > 0 && this.received > this.options.limitBytes)
      return this.fail(new BodyTooLargeError(this.options.limitBytes));
    const flowing = this.stream.write(chunk);
    if (!this.released) {
      // While buffering, the stream keeps what arrives (at most bufferBytes and a chunk).
      if (this.received >= this.options.bufferBytes) this.release();
      return;
    }
    if (!flowing) {
      this.source.pause();
      this.stream.once('drain', this.onDrain);
    }
  };

  private readonly onDrain = (): void => {
    if (!this.detached) this.source.resume();
  };

  private readonly onEnd = (): void => {
    this.detach();
    this.stream.end();
    this.release();
    this.ended?.();
  };

  private readonly onSourceError = (): void => {
    this.fail(new ClientGoneError('client request failed'));
  };

  private readonly onSourceClose = (): void => {
    // Closed before its end: the client went away mid-body.
    if (!this.detached) this.fail(new ClientGoneError('client closed the request'));
  };

  private readonly drainRest = (): void => {
    if (this.detached) return;
    this.detach();
    this.source.resume();
  };

  /** Stops feeding the stream; the client's request is left paused (unread) unless drained. */
  private readonly detach = (): void => {
    if (this.detached) return;
    this.detached = true;
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('close', this.onSourceClose);
    // Keep an error listener: a late error must not become an uncaught exception.
    this.source.off('error', this.onSourceError);
    this.source.on('error', ignore);
    this.source.pause();
  };
}

function ignore(): void {}
