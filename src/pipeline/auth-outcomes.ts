import type { GatehouseMetrics } from '../observability/metrics.js';

type Child = ReturnType<GatehouseMetrics['authOutcomes']['labels']>;

/** Counts admission decisions for one deployment; label children are created once and reused. */
export class AuthOutcomeRecorder {
  private readonly children = new Map<string, Child>();
  /** `allowed` is counted on every admitted request: one cell per method, looked up without building a key. */
  private readonly allowedCells = new Map<string, Child>();

  constructor(
    private readonly metrics: GatehouseMetrics,
    private readonly deploymentId: string,
  ) {}

  private child(method: string, outcome: string, reason: string): Child {
    const key = `${method}\0${outcome}\0${reason}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.metrics.authOutcomes.labels(this.deploymentId, method, outcome, reason);
      this.children.set(key, child);
    }
    return child;
  }

  allowed(method: string): void {
    let cell = this.allowedCells.get(method);
    if (!cell) {
      cell = this.child(method, 'allowed', '');
      this.allowedCells.set(method, cell);
    }
    cell.inc();
  }

  rejected(method: string, reason: string, unavailable = false): void {
    this.child(method, unavailable ? 'unavailable' : 'rejected', reason).inc();
  }

  forbidden(method: string, reason: string): void {
    this.child(method, 'forbidden', reason).inc();
  }
}
