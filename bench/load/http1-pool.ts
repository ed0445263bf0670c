/**
 * A minimal HTTP/1.1 keep-alive client for the fixed-rate load: pre-built request
 * bytes, one request at a time per connection, answers framed by Content-Length (as
 * nginx and every proxy here send them). Far cheaper per request than a full client,
 * which matters because it shares the load core with the upstream.
 */
import { connect, type Socket } from 'node:net';

export interface PendingRequest {
  readonly bytes: Buffer;
  /** Called once with the status, or 0 when the connection failed or the framing is not understood. */
  done(status: number): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

interface ConnectionEvents {
  idle(connection: Connection): void;
  closed(connection: Connection): void;
}

class Connection {
  private readonly socket: Socket;
  private current: PendingRequest | undefined;
  private head: Buffer | undefined;
  private status = 0;
  /** Body bytes still expected; -1 while the head is being read. */
  private bodyLeft = -1;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly events: ConnectionEvents,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.socket.destroy());
    this.socket.on('close', () => {
      this.closed = true;
      this.finish(0);
      events.closed(this);
    });
  }

  send(request: PendingRequest): void {
    this.current = request;
    this.socket.write(request.bytes);
  }

  private onData(chunk: Buffer): void {
    if (!this.current) return void this.socket.destroy();
    if (this.bodyLeft < 0) {
      const data = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const end = data.indexOf(HEADER_END);
      if (end === -1) {
        this.head = data;
        return;
      }
      this.head = undefined;
      const head = data.toString('latin1', 0, end);
      const length = CONTENT_LENGTH.exec(head)?.[1];
      if (length === undefined) return void this.socket.destroy();
      this.status = Number(head.slice(9, 12));
      this.bodyLeft = Number(length) - (data.length - end - HEADER_END.length);
    } else this.bodyLeft -= chunk.length;
    if (this.bodyLeft === 0) {
      this.finish(this.status);
      this.events.idle(this);
    } else if (this.bodyLeft < 0) this.socket.destroy();
  }

  private finish(status: number): void {
    const request = this.current;
    this.current = undefined;
    this.bodyLeft = -1;
    this.head = undefined;
    request?.done(status);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Up to `max` connections, opened on demand; requests wait in order when all are busy. */
export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiting: PendingRequest[] = [];
  private waitingHead = 0;
  private closing = false;
  private readonly events: ConnectionEvents = {
    idle: (connection) => this.release(connection),
    closed: (connection) => {
      this.all.delete(connection);
      // A connection the server closed: open another one for whoever is waiting.
      const next = this.closing ? undefined : this.takeWaiting();
      if (next) this.submit(next);
    },
  };

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly max: number,
  ) {}

  submit(request: PendingRequest): void {
    let connection = this.idle.pop();
    while (connection?.closed) connection = this.idle.pop();
    if (!connection && this.all.size < this.max) {
      connection = new Connection(this.host, this.port, this.events);
      this.all.add(connection);
    }
    if (connection) connection.send(request);
    else this.waiting.push(request);
  }

  private takeWaiting(): PendingRequest | undefined {
    if (this.waitingHead >= this.waiting.length) return undefined;
    const next = this.waiting[this.waitingHead++];
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    return next;
  }

  private release(connection: Connection): void {
    const next = this.takeWaiting();
    if (next) connection.send(next);
    else this.idle.push(connection);
  }

  close(): void {
    this.closing = true;
    for (const connection of this.all) connection.close();
  }
}
