/**
 * A real HTTP server on 127.0.0.1 that publishes a JWKS (and optionally an OpenID
 * discovery document), for tests of key fetching, caching and outages.
 *
 *   const server = await startJwksServer(jwksOf(keys.rsa));
 *   server.setKeys(jwksOf(keys.rsa, newKey));       // rotation
 *   server.setMode('error500' | 'invalidJson' | 'reset' | 'hang' | 'noKeys' | 'ok');
 *   server.setDelay(300);                           // slow answers
 *   const hold = server.holdNext();                 // the next request waits for the test:
 *   await hold.arrived; …; hold.release();          // an event, not a timer
 *   server.setCacheControl('max-age=60');
 *   server.jwksFetches                              // JWKS GETs counted at the server
 *   await server.refuseConnections();               // port closed: ECONNREFUSED
 *   await server.acceptConnections();               // listening again on the same port
 *
 * Paths: `/jwks.json` (the JWKS), `/.well-known/openid-configuration` (discovery, when
 * enabled with `enableDiscovery()`; its `issuer` defaults to the server's origin and
 * can be set to another value to test mix-up protection).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JWK } from 'jose';
import { deferred } from './async.js';

export type JwksServerMode = 'ok' | 'error500' | 'invalidJson' | 'noKeys' | 'reset' | 'hang';

export interface JwksServer {
  /** `http://127.0.0.1:<port>` — also the default discovery issuer. */
  readonly origin: string;
  readonly jwksUri: string;
  /** JWKS requests received (whatever the answer). */
  readonly jwksFetches: number;
  /** Discovery document requests received. */
  readonly discoveryFetches: number;
  setKeys(jwks: { keys: readonly JWK[] }): void;
  setMode(mode: JwksServerMode): void;
  /** Delay before answering, in ms (0: none). */
  setDelay(ms: number): void;
  /**
   * Holds the next request (JWKS or discovery) until `release()`: `arrived` resolves when
   * it is received, so a test knows a fetch is pending without a timer.
   */
  holdNext(): { readonly arrived: Promise<void>; release(): void };
  /** Cache-Control header of JWKS answers (undefined: none). */
  setCacheControl(value: string | undefined): void;
  /** Serve a discovery document; `issuer` and `jwks_uri` default to this server. */
  enableDiscovery(document?: { issuer?: string; jwks_uri?: string; [name: string]: unknown }): void;
  resetCounts(): void;
  /** Stops listening and drops open connections: clients get ECONNREFUSED until acceptConnections(). */
  refuseConnections(): Promise<void>;
  /** Listens again on the same port. */
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}

export async function startJwksServer(initial: { keys: readonly JWK[] } = { keys: [] }): Promise<JwksServer> {
  let keys = initial;
  let mode: JwksServerMode = 'ok';
  let delay = 0;
  let cacheControl: string | undefined;
  let discovery: Record<string, unknown> | undefined;
  let jwksFetches = 0;
  let discoveryFetches = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let hold: { arrived: () => void; released: Promise<void> } | undefined;
  const dropAll = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets) socket.destroy();
  };
  const closeListener = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });

  const json = (res: ServerResponse, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };

  const answerJwks = (req: IncomingMessage, res: ServerResponse) => {
    switch (mode) {
      case 'hang':
        return; // never answers; the client's timeout must fire
      case 'reset':
        req.socket.destroy();
        return;
      case 'error500':
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error: secret-looking body that must never be logged');
        return;
      case 'invalidJson':
        json(res, '{"keys": [ this is not json');
        return;
      case 'noKeys':
        json(
          res,
          JSON.stringify({
            keys: [
              { kty: 'oct', k: 'c2VjcmV0' },
              { kty: 'RSA', use: 'enc', n: 'AQAB', e: 'AQAB' },
            ],
          }),
        );
        return;
      case 'ok':
        json(res, JSON.stringify(keys), cacheControl === undefined ? {} : { 'cache-control': cacheControl });
        return;
    }
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const respond = () => {
      if (path === '/jwks.json') {
        jwksFetches++;
        answerJwks(req, res);
      } else if (path === '/.well-known/openid-configuration' && discovery) {
        discoveryFetches++;
        if (mode === 'hang' || mode === 'reset' || mode === 'error500') answerJwks(req, res);
        else json(res, JSON.stringify(discovery));
      } else {
        res.writeHead(404).end();
      }
    };
    if (hold) {
      const { arrived, released } = hold;
      hold = undefined;
      arrived();
      void released.then(respond);
    } else if (delay > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, delay);
      timers.add(timer);
    } else respond();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const jwksUri = `${origin}/jwks.json`;

  return {
    origin,
    jwksUri,
    get jwksFetches() {
      return jwksFetches;
    },
    get discoveryFetches() {
      return discoveryFetches;
    },
    setKeys: (next) => (keys = next),
    setMode: (next) => (mode = next),
    setDelay: (ms) => (delay = ms),
    holdNext: () => {
      const arrived = deferred();
      const released = deferred();
      hold = { arrived: () => arrived.resolve(), released: released.promise };
      return { arrived: arrived.promise, release: () => released.resolve() };
    },
    setCacheControl: (value) => (cacheControl = value),
    enableDiscovery: (document = {}) =>
      (discovery = {
        issuer: origin,
        jwks_uri: jwksUri,
        id_token_signing_alg_values_supported: ['RS256'],
        ...document,
      }),
    resetCounts: () => {
      jwksFetches = 0;
      discoveryFetches = 0;
    },
    refuseConnections: async () => {
      const closed = closeListener();
      dropAll();
      await closed;
    },
    acceptConnections: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: async () => {
      const closed = closeListener();
      dropAll();
      await closed;
    },
  };
}
