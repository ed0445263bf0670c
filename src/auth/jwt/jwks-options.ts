/** What a JwksCache (jwks-cache.ts) is built with: one provider's JWKS source and timings. */
import type { Clock } from '../../clock.js';
import type { AsymmetricAlgorithm } from '../../config/schema-auth.js';
import type { Logger } from '../../observability/log.js';
import type { GatehouseMetrics } from '../../observability/metrics.js';

export interface JwksCacheOptions {
  readonly providerId: string;
  /** Either a JWKS URL, or an issuer whose discovery document gives it. */
  readonly source: { readonly jwksUri: string } | { readonly discoveryIssuer: string };
  /** Accept a discovered http `jwks_uri` on a host other than loopback (the provider's `allowInsecureHttp`). */
  readonly allowInsecureHttp?: boolean;
  readonly algorithms: ReadonlySet<AsymmetricAlgorithm>;
  readonly cacheMaxAgeMs: number;
  readonly minRefreshMs: number;
  readonly unknownKidCooldownMs: number;
  readonly fetchTimeoutMs: number;
  readonly outageGraceMs: number;
  /** First retry delay after a failure, doubling up to minRefreshMs. Default min(1000, minRefreshMs). */
  readonly retryBaseMs?: number;
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}
