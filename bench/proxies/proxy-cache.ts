/**
 * Keeps the current proxy process for the next scenario when that scenario runs the
 * very same proxy and configuration (e.g. one Gatehouse with 10,000 deployments
 * measured with two traffic patterns); otherwise stops it and starts the next one.
 * Each scenario still gets its own preflight, warm-up and measurement.
 */
import type { Scenario, ScenarioContext } from '../scenario-types.js';
import { startProxy, type RunningProxy } from './start-proxy.js';

function proxyKey(scenario: Scenario, ctx: ScenarioContext): string {
  const tls = (scenario.transport ?? 'http') === 'http' ? 'plain' : 'tls';
  const processes = `workers=${scenario.workers ?? 1} cores=${scenario.cores ?? 'proxy'}`;
  return `${scenario.proxy} ${tls} ${processes} ${JSON.stringify(scenario.gatehouseConfig?.(ctx) ?? null)}`;
}

export interface AcquiredProxy {
  readonly proxy: RunningProxy;
  /** True when the previous scenario's process was kept. */
  readonly reused: boolean;
}

export class ProxyCache {
  private current: { readonly key: string; readonly proxy: RunningProxy } | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly cpu: number,
  ) {}

  async acquire(scenario: Scenario): Promise<AcquiredProxy> {
    const key = proxyKey(scenario, this.ctx);
    if (this.current?.key === key && this.current.proxy.alive())
      return { proxy: this.current.proxy, reused: true };
    await this.release();
    const proxy = await startProxy(scenario, this.ctx, this.cpu);
    this.current = { key, proxy };
    return { proxy, reused: false };
  }

  /** Stops the current proxy, if any. */
  async release(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.proxy.stop();
  }
}
