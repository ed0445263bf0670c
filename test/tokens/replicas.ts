/**
 * Two Gatehouse replicas (A and B) sharing one real SQLite file, one recording upstream
 * and one injected clock, with an admin API key: the setup of the lifecycle and token
 * administration tests. A third replica can be started later with the same config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { createAdminKey } from '../../src/control/repository/admin-keys.js';
import { assertGatehouseError } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { bearer, tokenConfig } from './support.js';

export interface Replicas {
  readonly upstream: TestUpstream;
  readonly config: ConfigObject;
  readonly clock: ManualClock;
  readonly a: TestGatehouse;
  readonly b: TestGatehouse;
  readonly adminKey: string;
  /** A call to A's admin listener with `credential` (default: the admin key). */
  call(method: string, path: string, body?: unknown, credential?: string | null): Promise<SimpleResponse>;
  /** Another replica on the same file and clock (stopped with the others). */
  startAnother(): Promise<TestGatehouse>;
  stop(): Promise<void>;
}

export async function startReplicas(
  now: number,
  tokens: ConfigObject = {},
  extra: ConfigObject = {},
): Promise<Replicas> {
  const upstream = await startUpstream('api');
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-replicas-'));
  const config = tokenConfig(
    upstream.url,
    { bruteForce: { perAddress: { maxAttempts: 10_000 } }, ...tokens },
    { ...extra, store: { type: 'sqlite', sqlite: { dataDir, pollIntervalMs: 20 } } },
  );
  const clock = new ManualClock(now);
  const a = await startGatehouse(config, { clock });
  const b = await startGatehouse(config, { clock });
  const adminKey = (await createAdminKey(a.gatehouse.store, clock, 'tests')).key;
  const others: TestGatehouse[] = [];
  return {
    upstream,
    config,
    clock,
    a,
    b,
    adminKey,
    call: (method, path, body, credential) =>
      send(a.adminUrl, path, {
        method,
        headers: {
          ...(credential === null ? {} : bearer(credential ?? adminKey)),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    startAnother: async () => {
      const gh = await startGatehouse(config, { clock });
      others.push(gh);
      return gh;
    },
    stop: async () => {
      for (const gh of [...others, a, b]) await gh.stop();
      await upstream.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The admin API refuses a user token with 401 `invalid_token` (nothing is served). */
export async function assertAdminRefuses(gh: TestGatehouse, token: string): Promise<void> {
  assertGatehouseError(
    await send(gh.adminUrl, '/api/v1/services', { headers: bearer(token) }),
    401,
    'invalid_token',
  );
}
