/**
 * A TCP proxy for tests that need a network fault between one Gatehouse replica and its
 * store: it pipes every connection to the target, and on demand drops the connection
 * whose client sends bytes matching a pattern (before they reach the target), or
 * refuses new connections until told to accept again. Nothing is simulated: the
 * client sees a real closed socket and real refused reconnections.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/0`: the target reached through the proxy. */
  readonly redisUrl: string;
  /** Connections dropped so far by `dropWhen`. */
  readonly dropped: number;
  /**
   * Drops the next connection whose client sends a chunk for which `match` holds; the
   * chunk is not forwarded. With `thenRefuse`, new connections are refused afterwards
   * (until `accept()`). Resolves once a connection was dropped.
   */
  dropWhen(match: (chunk: Buffer) => boolean, options?: { thenRefuse?: boolean }): Promise<void>;
  /** Closes every new connection at once (the client sees a reset during reconnection). */
  refuse(): void;
  /** Proxies new connections again. */
  accept(): void;
  close(): Promise<void>;
}

interface Rule {
  readonly match: (chunk: Buffer) => boolean;
  readonly thenRefuse: boolean;
  readonly done: () => void;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let rule: Rule | undefined;
  let refusing = false;
  let dropped = 0;

  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const target = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(target);
    const destroyBoth = (): void => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.on('data', (chunk: Buffer) => {
      const armed = rule;
      if (armed !== undefined && armed.match(chunk)) {
        rule = undefined;
        dropped += 1;
        if (armed.thenRefuse) refusing = true;
        destroyBoth();
        armed.done();
        return;
      }
      target.write(chunk);
    });
    target.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', destroyBoth);
    target.on('error', destroyBoth);
    client.on('close', destroyBoth);
    target.on('close', destroyBoth);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    port,
    redisUrl: `redis://127.0.0.1:${port}/0`,
    get dropped() {
      return dropped;
    },
    dropWhen(match, options = {}) {
      return new Promise<void>((resolve) => {
        rule = { match, thenRefuse: options.thenRefuse === true, done: resolve };
      });
    },
    refuse() {
      refusing = true;
    },
    accept() {
      refusing = false;
    },
    async close() {
      rule = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A matcher for a Redis command (RESP bulk strings) naming all of `parts`, e.g. `ZRANGEBYLEX` and `i:api-keys`. */
export function redisCommandWith(...parts: readonly string[]): (chunk: Buffer) => boolean {
  return (chunk) => {
    const text = chunk.toString('latin1');
    return parts.every((part) => text.includes(part));
  };
}
