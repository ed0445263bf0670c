/**
 * In-process CPU cost of the cold JWT path: a deployment's real gate (credentials from
 * the raw headers, the JWT authenticator with its provider by `iss`, verifier,
 * verified-token cache and revocation list, then authorization and the admission with
 * its identity headers) answering N distinct valid tokens, none of which the cache
 * holds. No sockets, so the figure is the auth path alone and is far less sensitive to a
 * busy machine than the HTTP benchmark:
 *
 *   npm run build && node dist/bench/micro/cold-jwt.js [count]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/micro/cold-jwt.js && node dist/bench/profile.js /tmp/prof
 *
 * Prints CPU µs per token for HS256 and RS256 (median of 9 rounds after a warm-up round) and for a cached token.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createJwtAuthenticator } from '../../src/auth/authenticators/jwt.js';
import type { Admission, Gate } from '../../src/auth/types.js';
import { RevocationList } from '../../src/auth/revocation.js';
import { VerifiedTokenCache } from '../../src/auth/token-cache.js';
import { VerifierRegistry } from '../../src/auth/verifier-registry.js';
import { systemClock } from '../../src/clock.js';
import { createProviderSchema } from '../../src/config/schema-auth.js';
import { createLogger } from '../../src/observability/log.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
import { AuthOutcomeRecorder } from '../../src/pipeline/auth-outcomes.js';
import { CompiledGate } from '../../src/pipeline/gate.js';
import { compileIdentityHeaders } from '../../src/pipeline/identity-headers.js';
import type { IncomingMessage } from 'node:http';

const ISSUER = 'https://issuer.micro.test';
const AUDIENCE = 'https://api.micro.test';
const ROUNDS = 9;
const count = Number(process.argv[2] ?? 20_000);

const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

function claims(i: number): string {
  const now = Math.floor(Date.now() / 1000);
  return b64(
    JSON.stringify({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: `user-${i}`,
      scope: 'items:read',
      iat: now,
      exp: now + 3600,
      jti: `t-${i}`,
    }),
  );
}

function hs256Tokens(secret: string, n: number): string[] {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  return Array.from({ length: n }, (_, i) => {
    const input = `${header}.${claims(i)}`;
    return `${input}.${createHmac('sha256', Buffer.from(secret)).update(input).digest('base64url')}`;
  });
}

function rs256Tokens(key: KeyObject, n: number): string[] {
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
  return Array.from({ length: n }, (_, i) => {
    const input = `${header}.${claims(i)}`;
    return `${input}.${b64(sign('sha256', Buffer.from(input), key))}`;
  });
}

/** What the gate reads of a request: its raw headers. */
const request = (token: string): IncomingMessage =>
  ({ rawHeaders: ['Host', 'bench', 'Authorization', `Bearer ${token}`] }) as unknown as IncomingMessage;

/** A deployment's gate with `methods: [jwt]`, `require.scopes: [items:read]` and one claim header. */
async function gate(provider: Record<string, unknown>, cacheEntries: number): Promise<Gate> {
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

async function cpuPerToken(auth: Gate, tokens: readonly string[]): Promise<number> {
  const requests = tokens.map(request);
  const start = process.cpuUsage();
  for (const req of requests) {
    let admission: Admission | Promise<Admission> = auth.admit(req);
    if (admission instanceof Promise) admission = await admission;
    if (!admission.allowed) throw new Error(`not admitted: ${JSON.stringify(admission)}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / tokens.length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(name: string, auth: Gate, tokens: readonly string[]): Promise<void> {
  const perRound = Math.floor(tokens.length / ROUNDS);
  await cpuPerToken(auth, tokens.slice(0, perRound)); // warm the JIT and the heap (tokens then evicted)
  const figures: number[] = [];
  for (let r = 0; r < ROUNDS; r++)
    figures.push(await cpuPerToken(auth, tokens.slice(r * perRound, (r + 1) * perRound)));
  console.log(
    `${name.padEnd(26)} ${median(figures).toFixed(2).padStart(7)} µs CPU/token  (rounds: ${figures.map((f) => f.toFixed(1)).join(' ')})`,
  );
}

const secret = b64(Buffer.alloc(32, 7));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

const hs = await gate({ id: 'hs', type: 'hmac', secrets: [{ secret }] }, 1000);
const only = process.argv[3]; // 'hs' or 'rs': one algorithm (for a profile)
const rs = await gate(
  { id: 'rs', type: 'publicKey', algorithms: ['RS256'], keys: [{ kid: 'k1', pem }] },
  1000,
);
const hsTokens = hs256Tokens(secret, count);
if (only !== 'rs') await measure('HS256 cold (distinct)', hs, hsTokens);
if (only !== 'hs')
  await measure('RS256 cold (distinct)', rs, rs256Tokens(privateKey, Math.min(count, 10_000)));
const warm = hsTokens.slice(0, 1);
await measure(
  'HS256 warm (one token)',
  hs,
  Array.from({ length: count }, () => warm[0] as string),
);
process.exit(0);
