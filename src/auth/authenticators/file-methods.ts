/**
 * The authentication methods a configuration file provides on its own: `apiKeys` (keys
 * from the file plus those created through the admin API) and `jwt` (the file's JWT
 * providers). Registered once at start-up; each compile binds them to its plan's
 * verifiers and managed keys.
 */
import type { MethodRegistry } from '../method-registry.js';
import type { RevocationList } from '../revocation.js';
import type { VerifiedTokenCache } from '../token-cache.js';
import type { VerifierHandle } from '../verifier-registry.js';
import type { GatehouseMetrics } from '../../observability/metrics.js';
import { apiKeyFactory } from './api-key-factory.js';
import { createJwtAuthenticator } from './jwt.js';

export interface FileMethodDeps {
  readonly tokenCache: VerifiedTokenCache;
  readonly revocations: RevocationList;
  readonly metrics: GatehouseMetrics;
}

export function registerFileMethods(registry: MethodRegistry, deps: FileMethodDeps): MethodRegistry {
  return registry.register('apiKeys', apiKeyFactory).register('jwt', ({ settings }, { verifiers }) =>
    createJwtAuthenticator({
      verifiers: (settings.jwt?.providers ?? []).map((id) => verifiers.get(id) as VerifierHandle),
      cache: deps.tokenCache,
      revocations: deps.revocations,
      metrics: deps.metrics,
    }),
  );
}
