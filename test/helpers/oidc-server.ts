/**
 * A REAL OAuth 2.0 / OpenID Connect authorization server in-process on 127.0.0.1
 * (oidc-provider v8), issuing JWT access tokens (typ `at+jwt`, RFC 9068) with the
 * client credentials grant and resource indicators (RFC 8707).
 *
 *   const idp = await startOidcServer({ resources: { 'https://api.test': 'read write' } });
 *   const token = await idp.issueToken({ resource: 'https://api.test', scope: 'read' });
 *   // provider config: { type: 'jwks', issuer: idp.issuer, discovery: true, audiences: ['https://api.test'] }
 *   await idp.rotate();   // new signing key; the old one is still published
 *   await idp.retireOld(); // publish only the current key
 *
 * Discovery is at `${issuer}/.well-known/openid-configuration`, keys at `${issuer}/jwks`.
 * Signing keys are generated per run (RS256). Rotation swaps in a reconfigured provider
 * behind the same listener, so the issuer URL never changes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import { generateKeyPairFor, type TestKeyPair } from './keys.js';

export interface OidcServerOptions {
  /** Resource indicator (also the token's `aud`) → space-separated scopes it offers. */
  readonly resources?: Readonly<Record<string, string>>;
  /** Access token lifetime in seconds (default 300). */
  readonly accessTokenTtlSec?: number;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scope: string | undefined;
  readonly tokenType: string;
}

export interface OidcServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The key that signs new tokens. */
  readonly currentKey: TestKeyPair;
  /** Every key currently published in the JWKS, current first. */
  readonly publishedKeys: readonly TestKeyPair[];
  /** GETs of the JWKS endpoint. */
  readonly jwksFetches: number;
  /** client_credentials token for one resource; throws with the server's error code otherwise. */
  issueToken(request: { resource: string; scope?: string }): Promise<IssuedToken>;
  /** A new current signing key; the previous ones stay published. */
  rotate(): Promise<TestKeyPair>;
  /** Publish only the current key. */
  retireOld(): void;
  close(): Promise<void>;
}

const CLIENT_ID = 'gatehouse-test-client';

type Stored = Record<string, unknown>;

/** oidc-provider's storage interface over a Map (it warns about its own dev adapter). */
class MemoryAdapter {
  private static readonly store = new Map<string, Stored>();
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  upsert(id: string, payload: Stored): Promise<void> {
    MemoryAdapter.store.set(this.key(id), payload);
    return Promise.resolve();
  }
  find(id: string): Promise<Stored | undefined> {
    return Promise.resolve(MemoryAdapter.store.get(this.key(id)));
  }
  findByUid(uid: string): Promise<Stored | undefined> {
    return Promise.resolve([...MemoryAdapter.store.values()].find((p) => p.uid === uid));
  }
  findByUserCode(code: string): Promise<Stored | undefined> {
    return Promise.resolve([...MemoryAdapter.store.values()].find((p) => p.userCode === code));
  }
  consume(id: string): Promise<void> {
    const payload = MemoryAdapter.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, payload] of MemoryAdapter.store)
      if (payload.grantId === grantId) MemoryAdapter.store.delete(key);
    return Promise.resolve();
  }
}

export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const resources = options.resources ?? { 'https://api.gatehouse.test': 'read write admin' };
  const ttl = options.accessTokenTtlSec ?? 300;
  const clientSecret = `secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  let keys: TestKeyPair[] = [await generateKeyPairFor('RS256', `idp-${Date.now()}-1`)];
  let generation = 1;
  let jwksFetches = 0;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === '/jwks') jwksFetches++;
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configure = () => {
    const current = keys[0];
    if (!current) throw new Error('no signing key');
    const provider = new Provider(issuer, {
      adapter: MemoryAdapter,
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: keys.map((k) => k.privateJwk) },
      cookies: { keys: ['oidc-test-cookie-key-not-secret'] },
      ttl: { ClientCredentials: ttl },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => undefined,
          useGrantedResource: () => false,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            const scope = resources[resource];
            if (scope === undefined) throw new errors.InvalidTarget('unknown resource');
            return {
              scope,
              audience: resource,
              accessTokenTTL: ttl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256', kid: current.kid } },
            };
          },
        },
      },
    });
    handler = provider.callback();
  };
  configure();

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    get currentKey() {
      const current = keys[0];
      if (!current) throw new Error('no signing key');
      return current;
    },
    get publishedKeys() {
      return keys;
    },
    get jwksFetches() {
      return jwksFetches;
    },
    async issueToken({ resource, scope }) {
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
      if (scope !== undefined) body.set('scope', scope);
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const answer = (await response.json()) as Record<string, unknown>;
      if (response.status !== 200 || typeof answer.access_token !== 'string')
        throw new Error(`token request failed: ${response.status} ${String(answer.error)}`);
      return {
        accessToken: answer.access_token,
        expiresIn: Number(answer.expires_in),
        scope: typeof answer.scope === 'string' ? answer.scope : undefined,
        tokenType: String(answer.token_type),
      };
    },
    async rotate() {
      generation++;
      const next = await generateKeyPairFor('RS256', `idp-${Date.now()}-${generation}`);
      keys = [next, ...keys];
      configure();
      return next;
    },
    retireOld() {
      keys = keys.slice(0, 1);
      configure();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
