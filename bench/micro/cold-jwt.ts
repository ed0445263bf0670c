/**
 * In-process CPU cost of the cold JWT path: the real JWT authenticator (provider by
 * `iss`, verifier, verified-token cache, revocation list) answering N distinct valid
 * tokens, none of which the cache holds. No sockets, so the figure is the auth path
 * alone and is far less sensitive to a busy machine than the HTTP benchmark:
 *
 *   npm run build && node dist/bench/micro/cold-jwt.js [count]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/micro/cold-jwt.js && node dist/bench/profile.js /tmp/prof
 *
 * Prints CPU µs per token for HS256 and RS256 (median of 9 rounds after a warm-up round) and for a cached token.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createJwtAuthenticator } from '../../src/auth/authenticators/jwt.js';
import type { Authenticator, AuthnResult } from '../../src/auth/authenticator.js';
import type { RequestCredentials } from '../../src/auth/credentials.js';
import { RevocationList } from '../../src/auth/revocation.js';
import { VerifiedTokenCache } from '../../src/auth/token-cache.js';
import { VerifierRegistry } from '../../src/auth/verifier-registry.js';
import { systemClock } from '../../src/clock.js';
import { createProviderSchema } from '../../src/config/schema-auth.js';
import { createLogger } from '../../src/observability/log.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
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

const credentials = (bearer: string): RequestCredentials => ({
  bearer,
  basic: undefined,
  apiKeyHeader: undefined,
  malformed: undefined,
  present: true,
});

async function authenticator(
  provider: Record<string, unknown>,
  cacheEntries: number,
): Promise<Authenticator> {
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
  return createJwtAuthenticator({ verifiers: [handle], cache, revocations, metrics });
}

const req = {} as IncomingMessage;

async function cpuPerToken(auth: Authenticator, tokens: readonly string[]): Promise<number> {
  const creds = tokens.map(credentials);
  const start = process.cpuUsage();
  for (const c of creds) {
    let result: AuthnResult | Promise<AuthnResult> = auth.authenticate(c, req);
    if (result instanceof Promise) result = await result;
    if (result.outcome !== 'authenticated') throw new Error(`not authenticated: ${JSON.stringify(result)}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / tokens.length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(name: string, auth: Authenticator, tokens: readonly string[]): Promise<void> {
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

const hs = await authenticator({ id: 'hs', type: 'hmac', secrets: [{ secret }] }, 1000);
const only = process.argv[3]; // 'hs' or 'rs': one algorithm (for a profile)
const rs = await authenticator(
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
