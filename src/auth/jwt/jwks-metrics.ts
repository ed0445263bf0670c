/** The JWKS metrics of one provider, label-bound; gauges are written only when they change. */
import type { GatehouseMetrics } from '../../observability/metrics.js';
import type { FetchResult } from './http-fetch.js';

/** Metric `reason` label of a fetch. */
export type FetchReason = 'initial' | 'refresh' | 'unknown_kid' | 'discovery';

export class JwksMetrics {
  private keys: number | undefined;
  private stale: boolean | undefined;

  constructor(
    private readonly metrics: GatehouseMetrics,
    private readonly providerId: string,
  ) {}

  fetched(reason: FetchReason, result: FetchResult): void {
    this.metrics.jwksFetches.labels(this.providerId, reason, result).inc();
  }

  /** Usable keys being served (0 once past the outage grace) and whether they are past their max age. */
  serving(keys: number, stale: boolean): void {
    if (keys !== this.keys) {
      this.keys = keys;
      this.metrics.jwksKeys.labels(this.providerId).set(keys);
    }
    if (stale !== this.stale) {
      this.stale = stale;
      this.metrics.jwksStale.labels(this.providerId).set(stale ? 1 : 0);
    }
  }
}
