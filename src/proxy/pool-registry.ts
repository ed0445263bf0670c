import type { Clock } from '../clock.js';
import type { InfrastructureConfig } from '../config/schema-upstream.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics, NodeHealthSource } from '../observability/metrics.js';
import { createNodeClient, type UpstreamTlsOptions } from './forwarder.js';
import { ActiveHealthChecker } from './health.js';
import { UpstreamNode, UpstreamPool } from './upstream-pool.js';

interface PoolEntry {
  readonly pool: UpstreamPool;
  readonly checker: ActiveHealthChecker | undefined;
  refs: number;
}

/**
 * Upstream pools outlive plans: a reload that leaves an infrastructure unchanged keeps
 * its connections and health state. Each plan holds references to the pools it uses;
 * a pool closes (gracefully, after its in-flight requests) when no plan uses it.
 */
export class PoolRegistry {
  private readonly entries = new Map<string, PoolEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: GatehouseMetrics,
    private readonly logger: Logger,
    /** Connect options for an infrastructure's `https://` nodes (src/tls/upstream-tls.ts). */
    private readonly upstreamTls: (infra: InfrastructureConfig) => UpstreamTlsOptions | undefined = () =>
      undefined,
  ) {}

  /** Everything that shapes connections and health state; permissions and descriptions do not. */
  static key(infra: InfrastructureConfig, connectMs: number): string {
    const { permissions: _permissions, description: _description, stage: _stage, ...shape } = infra;
    return JSON.stringify([shape, connectMs]);
  }

  /** A pool for the infrastructure with this connect timeout; the caller owns one reference. */
  acquire(infra: InfrastructureConfig, connectMs: number): { key: string; pool: UpstreamPool } {
    const key = PoolRegistry.key(infra, connectMs);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.create(infra, connectMs);
      this.entries.set(key, entry);
    }
    entry.refs++;
    return { key, pool: entry.pool };
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(key);
    entry.checker?.stop();
    entry.pool.close().catch((err: unknown) => this.logger.warn({ err }, 'closing upstream pool failed'));
  }

  /** Health view of every live pool for the metrics collector. */
  healthSources(): NodeHealthSource[] {
    const clock = this.clock;
    return [...this.entries.values()].map(({ pool }) => ({
      infrastructureId: pool.infrastructureId,
      *nodeStates() {
        const now = clock.now();
        for (const node of pool.nodes) yield { url: node.url, healthy: node.isAvailable(now) };
      },
    }));
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) entry.checker?.stop();
    await Promise.all(entries.map((entry) => entry.pool.close()));
  }

  private create(infra: InfrastructureConfig, connectMs: number): PoolEntry {
    const tls = this.upstreamTls(infra);
    const nodes = infra.nodes.map(
      (node) =>
        new UpstreamNode(
          node.url,
          node.weight,
          createNodeClient({
            origin: node.url,
            connections: infra.maxConnectionsPerNode,
            connectTimeoutMs: connectMs,
            keepAliveTimeoutMs: infra.keepAliveTimeoutMs,
            ...(tls && node.url.startsWith('https:') ? { tls } : {}),
          }),
          infra.passiveHealthCheck,
        ),
    );
    const pool = new UpstreamPool(infra.id, nodes, infra.loadBalancing, this.clock);
    let checker: ActiveHealthChecker | undefined;
    if (infra.healthCheck?.enabled) {
      checker = new ActiveHealthChecker(pool, infra.healthCheck, (node, healthy, result) => {
        const detail = {
          infrastructure: infra.id,
          node: node.url,
          status: result.status,
          error: result.error,
        };
        if (healthy) this.logger.info(detail, 'upstream node is healthy again');
        else this.logger.warn(detail, 'upstream node failed its health checks');
      });
      checker.start();
    }
    this.logger.debug({ infrastructure: infra.id, nodes: nodes.length }, 'upstream pool created');
    return { pool, checker, refs: 0 };
  }

  /** For passive ejection events. */
  recordEjection(infrastructureId: string, node: UpstreamNode): void {
    this.metrics.nodeEjections.labels(infrastructureId, node.url).inc();
    this.logger.warn(
      { infrastructure: infrastructureId, node: node.url },
      'upstream node ejected after connection failures',
    );
  }
}
