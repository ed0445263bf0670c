/**
 * Building blocks for the gate's unit table: a compiled gate from auth settings (as a
 * deployment writes them), a request made of raw headers only (no socket), and a fake
 * `jwt` method whose answer is chosen by the bearer token, so every kind of method
 * answer (authenticated, rejected, unavailable, asynchronous, throwing) can be placed
 * in a row.
 */
import { createHash } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Authenticator, AuthnResult } from '../../src/auth/authenticator.js';
import { rejected } from '../../src/auth/authenticator.js';
import { apiKeyFactory } from '../../src/auth/authenticators/api-key-factory.js';
import { looksLikeJwt } from '../../src/auth/credentials.js';
import type { Gate, Identity } from '../../src/auth/types.js';
import { authSettingsSchema } from '../../src/config/schema-auth-settings.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
import { compileGate } from '../../src/pipeline/compile-gate.js';
import { MethodRegistry } from '../../src/auth/method-registry.js';
import { metricValue } from '../helpers/metrics.js';

export function keyHash(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Two keys: `alpha` holds scope `read` and group `ops`; `beta` holds nothing. */
export const KEYS = [
  { id: 'alpha', hash: keyHash('key-alpha'), scopes: ['read'], groups: ['ops'] },
  { id: 'beta', hash: keyHash('key-beta') },
];

function jwtIdentity(subject: string): Identity {
  return {
    subject,
    method: 'jwt',
    provider: 'fake',
    credentialId: '',
    groups: new Set(['ops']),
    scopes: new Set(['read']),
    restrictedToScopes: true,
  };
}

/** The one identity `kept.x.y` and `keptOnce.x.y` answer with, every time (as a token cache hit would). */
export const KEPT_IDENTITY: Identity = Object.freeze(jwtIdentity('user:kept'));

/**
 * The fake `jwt` method, by bearer token: `good.x.y` authenticated (a new identity object
 * each time), `kept.x.y` authenticated as KEPT_IDENTITY, `keptOnce.x.y` the same but
 * marked transient, `bad.x.y` rejected,
 * `down.x.y` unavailable, `late.x.y` authenticated after a microtask, `lateBad.x.y`
 * rejected after one, `boom.x.y` throws; any other JWT-shaped bearer is rejected, and
 * anything else is not its business.
 */
export const fakeJwtMethod: Authenticator = {
  method: 'jwt',
  schemes: ['Bearer'],
  authenticate(credentials): AuthnResult | Promise<AuthnResult> {
    const token = credentials.bearer;
    if (token === undefined || !looksLikeJwt(token)) return { outcome: 'not-mine' };
    const kind = token.slice(0, token.indexOf('.'));
    switch (kind) {
      case 'good':
        return { outcome: 'authenticated', identity: jwtIdentity('user:good') };
      case 'kept':
        return { outcome: 'authenticated', identity: KEPT_IDENTITY };
      case 'keptOnce':
        return { outcome: 'authenticated', identity: KEPT_IDENTITY, transient: true };
      case 'down':
        return { outcome: 'unavailable', reason: 'jwks_unavailable', description: 'Keys unknowable.' };
      case 'late':
        return Promise.resolve({ outcome: 'authenticated', identity: jwtIdentity('user:late') });
      case 'lateBad':
        return Promise.resolve(rejected('bad_signature', 'The token signature is not valid.'));
      case 'boom':
        throw new Error('a bug in the method');
      default:
        return rejected('bad_signature', 'The token signature is not valid.');
    }
  },
};

export interface BuiltGate {
  readonly gate: Gate;
  readonly metrics: GatehouseMetrics;
}

/** A gate compiled from auth settings (parsed by the real schema, so defaults apply). */
export function buildGate(settings: unknown): BuiltGate {
  const metrics = new GatehouseMetrics();
  const methods = new MethodRegistry()
    .register('apiKeys', apiKeyFactory)
    .register('jwt', () => fakeJwtMethod)
    .forPlan({ verifiers: new Map() });
  const gate = compileGate(authSettingsSchema.parse(settings), {
    deploymentId: 'dep',
    serviceId: 'svc',
    inherited: false,
    methods,
    metrics,
  });
  return { gate, metrics };
}

/** A request carrying only a target and raw headers; the socket is never connected. */
export function request(headers: readonly (readonly [string, string])[], url = '/x'): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  req.method = 'GET';
  req.rawHeaders = headers.flatMap(([name, value]) => [name, value]);
  return req;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The auth-outcome samples recorded, as `method outcome reason=count` strings (only non-zero). */
export async function recordedOutcomes(metrics: GatehouseMetrics): Promise<string[]> {
  const text = await metrics.registry.metrics();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('gatehouse_auth_outcomes_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const value = metricValue(line, 'gatehouse_auth_outcomes_total', labels);
    if (value !== undefined && value > 0)
      out.push(`${labels.method} ${labels.outcome} ${labels.reason ?? ''}=${value}`.replace(' =', '='));
  }
  return out.sort();
}
