/**
 * A deployment's gate built from one Gatehouse build's modules, for the in-process
 * micro-benchmarks: `methods: [jwt]` with one provider (HS256 secret or RS256 public
 * key), `require.scopes: [items:read]` and one claim header, so a request pays what it
 * pays in situ (credentials from the raw headers, cache, verification, identity,
 * authorization, identity headers) without sockets.
 *
 * The modules are loaded from a `dist/src` folder given as a URL, so gate-ab.ts can put
 * two builds side by side in one process.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type * as JwtModule from '../../src/auth/authenticators/jwt.js';
import type * as RevocationModule from '../../src/auth/revocation.js';
import type * as TokenCacheModule from '../../src/auth/token-cache.js';
import type { Admission, Gate } from '../../src/auth/types.js';
import type * as RegistryModule from '../../src/auth/verifier-registry.js';
import type * as ClockModule from '../../src/clock.js';
import type * as SchemaModule from '../../src/config/schema-auth.js';
import type * as LogModule from '../../src/observability/log.js';
import type * as MetricsModule from '../../src/observability/metrics.js';
import type * as OutcomesModule from '../../src/pipeline/auth-outcomes.js';
import type * as GateModule from '../../src/pipeline/gate.js';
import type * as HeadersModule from '../../src/pipeline/identity-headers.js';

export type TokenKind = 'hs256' | 'rs256';

const ISSUER = 'https://issuer.micro.test';
const AUDIENCE = 'https://api.micro.test';
const SECRET = Buffer.alloc(32, 7).toString('base64url');

const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/** This build's dist/src folder (the one this file was compiled into). */
export const THIS_BUILD = new URL('../../src/', import.meta.url);

/** Distinct, valid tokens of one kind: every one a cache miss the first time round. */
export class TokenMaker {
  private readonly rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

  get publicKeyPem(): string {
    return this.rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  tokens(kind: TokenKind, n: number): string[] {
    const header = b64(
      JSON.stringify(
        kind === 'hs256' ? { alg: 'HS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid: 'k1' },
      ),
    );
    const now = Math.floor(Date.now() / 1000);
    return Array.from({ length: n }, (_, i) => {
      const payload = {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: `user-${i}`,
        scope: 'items:read',
        iat: now,
        exp: now + 3600,
        jti: `t-${i}`,
      };
      const input = `${header}.${b64(JSON.stringify(payload))}`;
      return `${input}.${kind === 'hs256' ? createHmac('sha256', Buffer.from(SECRET)).update(input).digest('base64url') : b64(sign('sha256', Buffer.from(input), this.rsa.privateKey))}`;
    });
  }
}

/**
 * What the gate reads of a request: its raw headers. The header value is made a flat
 * string, as Node's HTTP parser hands it over (a concatenated string would be flattened,
 * i.e. copied, on first use and bill that to the gate).
 */
export function requestWith(token: string): IncomingMessage {
  const authorization = Buffer.from(`Bearer ${token}`, 'latin1').toString('latin1');
  return { rawHeaders: ['Host', 'bench', 'Authorization', authorization] } as unknown as IncomingMessage;
}

async function load<T>(root: URL, path: string): Promise<T> {
  return (await import(new URL(path, root).href)) as T;
}

/** The gate of one build (root: that build's dist/src folder as a URL). */
export async function buildGate(
  root: URL,
  kind: TokenKind,
  maker: TokenMaker,
  cacheEntries = 1000,
): Promise<Gate> {
  const { createJwtAuthenticator } = await load<typeof JwtModule>(root, 'auth/authenticators/jwt.js');
  const { RevocationList } = await load<typeof RevocationModule>(root, 'auth/revocation.js');
  const { VerifiedTokenCache } = await load<typeof TokenCacheModule>(root, 'auth/token-cache.js');
  const { VerifierRegistry } = await load<typeof RegistryModule>(root, 'auth/verifier-registry.js');
  const { systemClock } = await load<typeof ClockModule>(root, 'clock.js');
  const { createProviderSchema } = await load<typeof SchemaModule>(root, 'config/schema-auth.js');
  const { createLogger } = await load<typeof LogModule>(root, 'observability/log.js');
  const { GatehouseMetrics } = await load<typeof MetricsModule>(root, 'observability/metrics.js');
  const { AuthOutcomeRecorder } = await load<typeof OutcomesModule>(root, 'pipeline/auth-outcomes.js');
  const { CompiledGate } = await load<typeof GateModule>(root, 'pipeline/gate.js');
  const { compileIdentityHeaders } = await load<typeof HeadersModule>(root, 'pipeline/identity-headers.js');

  const metrics = new GatehouseMetrics({ defaultMetrics: false });
  const revocations = new RevocationList(systemClock);
  const cache = new VerifiedTokenCache({
    maxEntries: cacheEntries,
    maxTtlMs: 3_600_000,
    clock: systemClock,
    revocations,
  });
  const logger = createLogger('error', { write: () => undefined });
  const registry = new VerifierRegistry({ clock: systemClock, metrics, logger });
  const provider =
    kind === 'hs256'
      ? { id: 'hs', type: 'hmac', secrets: [{ secret: SECRET }] }
      : {
          id: 'rs',
          type: 'publicKey',
          algorithms: ['RS256'],
          keys: [{ kid: 'k1', pem: maker.publicKeyPem }],
        };
  const parsed = createProviderSchema({ baseDir: process.cwd(), env: {} }).parse({
    issuer: ISSUER,
    audiences: [AUDIENCE],
    ...provider,
  });
  const handle = await registry.acquire(parsed);
  const headers = compileIdentityHeaders({ 'X-Token-Id': 'jti' });
  return new CompiledGate({
    authenticators: [createJwtAuthenticator({ verifiers: [handle], cache, revocations, metrics })],
    allowPublic: false,
    groups: { anyOf: [], allOf: [] },
    scopes: ['items:read'],
    apiKeyHeader: undefined,
    identityHeaderNames: headers.names,
    identityHeaders: headers.build,
    outcomes: new AuthOutcomeRecorder(metrics, 'micro'),
  });
}

/** CPU µs (user + system) per request for the gate to admit every one of them. */
export async function cpuPerRequest(gate: Gate, requests: readonly IncomingMessage[]): Promise<number> {
  const start = process.cpuUsage();
  for (const req of requests) {
    let admission: Admission | Promise<Admission> = gate.admit(req);
    if (admission instanceof Promise) admission = await admission;
    if (!admission.allowed) throw new Error(`not admitted: ${JSON.stringify(admission)}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests.length;
}

/** The median; of an even count, the lower middle value. */
export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
