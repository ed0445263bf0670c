/**
 * A gate's answers are built once per deployment: the same frozen denial for every
 * request refused the same way (401 missing credentials, 401 not accepted, 403
 * insufficient_scope naming the deployment's scopes), and one admission per identity
 * carrying the upstream identity headers.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { NOT_MINE, type Authenticator } from '../../src/auth/authenticator.js';
import type { Identity } from '../../src/auth/types.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
import { AuthOutcomeRecorder } from '../../src/pipeline/auth-outcomes.js';
import { CompiledGate } from '../../src/pipeline/gate.js';

const identity = (scopes: string[]): Identity => ({
  subject: 'caller',
  method: 'apiKeys',
  provider: 'keys',
  credentialId: 'k1',
  groups: new Set(),
  scopes: new Set(scopes),
  restrictedToScopes: true,
});
const FULL = identity(['orders:read', 'billing:read']);
const PARTIAL = identity(['orders:read']);

const keys: Authenticator = {
  method: 'apiKeys',
  schemes: ['Bearer', 'Basic'],
  authenticate: (credentials) => {
    if (credentials.bearer === 'full') return { outcome: 'authenticated', identity: FULL };
    if (credentials.bearer === 'partial') return { outcome: 'authenticated', identity: PARTIAL };
    return NOT_MINE;
  },
};

const gate = new CompiledGate({
  authenticators: [keys],
  allowPublic: false,
  groups: { anyOf: [], allOf: [] },
  scopes: ['orders:read', 'billing:read'],
  apiKeyHeader: undefined,
  identityHeaderNames: new Set(),
  identityHeaders: (id) => ['x-auth-method', id.method, 'x-auth-subject', id.subject],
  outcomes: new AuthOutcomeRecorder(new GatehouseMetrics(), 'dep'),
});

const request = (authorization?: string): IncomingMessage =>
  ({ rawHeaders: authorization ? ['Authorization', authorization] : [], headers: {} }) as IncomingMessage;

function admit(authorization?: string) {
  const admission = gate.admit(request(authorization));
  assert.ok(!(admission instanceof Promise), 'answered synchronously');
  return admission;
}

describe('a gate answers with values built once (unit)', () => {
  const refusals: [name: string, authorization: string | undefined, status: number, challenge: string][] = [
    [
      'no credential: 401 missing_credentials',
      undefined,
      401,
      'Bearer realm="gatehouse", Basic realm="gatehouse", charset="UTF-8"',
    ],
    [
      'a credential no method accepts: 401 invalid_token',
      'Bearer unknown',
      401,
      'Bearer realm="gatehouse", error="invalid_token", error_description="The credential presented is not one this deployment accepts.", Basic realm="gatehouse", charset="UTF-8"',
    ],
    [
      'a missing scope: 403 insufficient_scope naming it, challenge listing every required scope',
      'Bearer partial',
      403,
      'Bearer realm="gatehouse", error="insufficient_scope", error_description="The credential lacks the scope(s): billing:read.", scope="orders:read billing:read"',
    ],
  ];
  for (const [name, authorization, status, challenge] of refusals)
    it(name, () => {
      const first = admit(authorization);
      const second = admit(authorization);
      assert.equal(first.allowed, false);
      assert.ok(!first.allowed);
      assert.equal(first.error.status, status);
      assert.equal(first.error.headers?.['www-authenticate'], challenge);
      assert.equal(second, first, 'the same prebuilt denial');
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.error));
    });

  it('an admission carries the upstream identity headers, one object per identity', () => {
    const first = admit('Bearer full');
    assert.ok(first.allowed);
    assert.deepEqual(first.upstreamHeaders, ['x-auth-method', 'apiKeys', 'x-auth-subject', 'caller']);
    assert.equal(admit('Bearer full'), first);
  });
});
