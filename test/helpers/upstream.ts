import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { readFile } from 'node:fs/promises';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestUpstream {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Every request that reached this upstream, in arrival order. */
  readonly requests: RecordedRequest[];
  setHandler(handler: UpstreamHandler): void;
  close(): Promise<void>;
}

/** Echoes what it received as JSON: the default handler of test upstreams. */
export function echoHandler(name: string): UpstreamHandler {
  return (req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const body = JSON.stringify({
        upstream: name,
        method: req.method,
        url: req.url,
        headers: req.headers,
        bodyBytes: bytes,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
}

/** A real HTTP server on 127.0.0.1 with a free port that records what reaches it. */
export async function startUpstream(name = 'upstream', handler?: UpstreamHandler): Promise<TestUpstream> {
  let current = handler ?? echoHandler(name);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    current(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago and has nothing listening (connection refused). */
/**
 * A port on 127.0.0.1 where nothing listens. It is taken below the kernel's ephemeral
 * range, which listen(0) never hands out: a port freed after listen(0) could be handed
 * to a server of another test file running at the same time, and then it no longer
 * refuses.
 */
export async function refusedPort(): Promise<number> {
  const lowestEphemeral = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').then(
    (text) => Number(text.trim().split(/\s+/)[0]),
    () => 32768,
  );
  for (let tries = 0; tries < 50; tries++) {
    const port = 10_000 + Math.floor(Math.random() * Math.max(1, lowestEphemeral - 10_000));
    if (await refuses(port)) return port;
  }
  throw new Error('no refusing port found below the ephemeral range');
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

export interface RawUpstream {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: Socket[];
  close(): Promise<void>;
}

/**
 * A TCP server that hands every accepted connection to `onConnection`: for upstreams
 * that misbehave below HTTP (never answer, reset, send half a response).
 */
export async function startRawUpstream(onConnection: (socket: Socket) => void): Promise<RawUpstream> {
  const connections: Socket[] = [];
  const server = createNetServer((socket) => {
    connections.push(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Resolves with the request head (up to the blank line) read from a raw socket. */
export function readRequestHead(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end !== -1) {
        socket.off('data', onData);
        resolve(head.slice(0, end));
      }
    };
    socket.on('data', onData);
  });
}
