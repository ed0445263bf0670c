/**
 * Shared steps of the revocation-under-failure tests: an API-key deployment created
 * through one replica's admin API, keys minted through it, and the per-key checks
 * "accepted" (200, upstream reached) and "refused" (401 `invalid_token`, upstream not
 * reached) on a replica's real data plane.
 */
import assert from 'node:assert/strict';
import { assertGatehouseError } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import type { TestUpstream } from '../helpers/upstream.js';
import type { AdminTest } from '../control/api/support.js';

export const PATH = '/svc/resource';

export interface MintedKey {
  readonly id: string;
  readonly secret: string;
}

/** Infrastructure → service → version (API keys) → deployment `dep` under `/svc`. */
export async function createKeyedDeployment(t: AdminTest, upstream: TestUpstream): Promise<void> {
  const steps: [string, unknown][] = [
    ['/api/v1/infrastructures', { id: 'inf', nodes: [upstream.url] }],
    ['/api/v1/services', { id: 'svc' }],
    ['/api/v1/services/svc/versions', { id: 'v1', auth: { methods: ['apiKeys'], apiKeys: { keys: [] } } }],
    [
      '/api/v1/deployments',
      { id: 'dep', service: 'svc', version: 'v1', infrastructure: 'inf', basePath: '/svc' },
    ],
  ];
  for (const [path, body] of steps) {
    const res = await t.admin('POST', path, body);
    assert.equal(res.status, 201, `${path}: ${res.text}`);
  }
}

export async function mintKey(t: AdminTest): Promise<MintedKey> {
  const res = await t.admin('POST', '/api/v1/deployments/dep/api-keys', {});
  assert.equal(res.status, 201, res.text);
  return { id: String(res.body.id), secret: String(res.body.key) };
}

export function deleteKey(
  t: AdminTest,
  key: MintedKey,
): Promise<{ status: number; text: string; headers: Headers; body: Record<string, unknown> }> {
  return t.admin('DELETE', `/api/v1/deployments/dep/api-keys/${key.id}`);
}

export function callWith(dataPlaneUrl: string, key: MintedKey): Promise<SimpleResponse> {
  return send(dataPlaneUrl, PATH, { headers: { authorization: `Bearer ${key.secret}` } });
}

/** The key is refused with 401 `invalid_token` and the upstream is not reached. */
export async function assertRefused(
  dataPlaneUrl: string,
  upstream: TestUpstream,
  key: MintedKey,
  context = '',
): Promise<void> {
  const before = upstream.requests.length;
  const res = await callWith(dataPlaneUrl, key);
  assert.equal(res.status, 401, `${context} key ${key.id} is still accepted (${res.status})`);
  assertGatehouseError(res, 401, 'invalid_token');
  assert.equal(upstream.requests.length, before, `${context} the upstream was reached`);
}

/** Waits until the replica accepts the key (it follows a write made elsewhere). */
export async function untilAccepted(dataPlaneUrl: string, key: MintedKey): Promise<void> {
  await waitFor(async () => (await callWith(dataPlaneUrl, key)).status === 200, `key ${key.id} accepted`);
}

/** Waits until the replica refuses the key; the deadline turns "never" into a readable failure. */
export async function untilRefused(dataPlaneUrl: string, key: MintedKey, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    async () => (await callWith(dataPlaneUrl, key)).status === 401,
    `key ${key.id} refused`,
    timeoutMs,
  );
}
