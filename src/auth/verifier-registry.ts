import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ProviderConfig } from '../config/schema-auth.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { JwtVerifier } from './jwt/types.js';
import { createJwtVerifier } from './jwt/verifier.js';

export interface VerifierHandle {
  /** Provider id plus a fingerprint of its settings: a cached verification counts only for the same settings. */
  readonly key: string;
  readonly provider: ProviderConfig;
  readonly verifier: JwtVerifier;
}

interface Entry {
  readonly handle: VerifierHandle;
  readonly started: Promise<void>;
  refs: number;
}

/**
 * JWT verifiers outlive plans like upstream pools do: a reload that leaves a provider
 * unchanged keeps its JWKS cache warm instead of refetching. A verifier stops when the
 * last plan using it is disposed.
 */
export class VerifierRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: { clock: Clock; metrics: GatehouseMetrics; logger: Logger }) {}

  static keyOf(provider: ProviderConfig): string {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(provider))
      .digest('base64url')
      .slice(0, 16);
    return `${provider.id}#${fingerprint}`;
  }

  /** A started verifier for the provider; the caller owns one reference. */
  async acquire(provider: ProviderConfig): Promise<VerifierHandle> {
    const key = VerifierRegistry.keyOf(provider);
    let entry = this.entries.get(key);
    if (!entry) {
      const verifier = createJwtVerifier(provider, this.deps);
      entry = { handle: { key, provider, verifier }, started: verifier.start(), refs: 0 };
      this.entries.set(key, entry);
    }
    entry.refs++;
    try {
      await entry.started;
    } catch (err) {
      this.release(key);
      throw err;
    }
    return entry.handle;
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(key);
    entry.handle.verifier.stop();
  }

  closeAll(): void {
    for (const entry of this.entries.values()) entry.handle.verifier.stop();
    this.entries.clear();
  }
}
