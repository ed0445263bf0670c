/**
 * Counters and histograms for the request hot path. prom-client validates and hashes
 * the label object on every observe(), even through a bound child; these cells are
 * plain numbers bumped in place, and the metric renders them only when /metrics is
 * scraped. They register into a prom-client Registry like its own metrics.
 */
import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string | number>;

interface MetricSample {
  value: number;
  labels: Labels;
  metricName?: string;
}

interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricSample[];
  aggregator: 'sum';
}

/** The shape prom-client's Registry reads from a metric when rendering. */
abstract class HotMetric<Cell> {
  readonly aggregator = 'sum';
  private readonly cells = new Map<string, { labels: Labels; cell: Cell }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // prom-client types registerMetric for its own classes only; it reads name, help,
    // type, aggregator, get() and reset(), which this class provides.
    registry.registerMetric(this as unknown as Metric);
  }

  protected abstract createCell(): Cell;
  abstract readonly type: 'counter' | 'histogram';
  protected abstract samples(labels: Labels, cell: Cell, out: MetricSample[]): void;

  /** The cell for these label values (create once, keep, bump on the hot path). */
  labels(...values: string[]): Cell {
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (!entry) {
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      entry = { labels, cell: this.createCell() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  get(): Promise<MetricSnapshot> {
    const values: MetricSample[] = [];
    for (const { labels, cell } of this.cells.values()) this.samples(labels, cell, values);
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  reset(): void {
    this.cells.clear();
  }
}

export class CounterCell {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class HotCounter extends HotMetric<CounterCell> {
  readonly type = 'counter';
  protected createCell(): CounterCell {
    return new CounterCell();
  }
  protected samples(labels: Labels, cell: CounterCell, out: MetricSample[]): void {
    out.push({ labels, value: cell.value });
  }
}

export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++)
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
  }
}

export class HotHistogram extends HotMetric<HistogramCell> {
  readonly type = 'histogram';
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }
  protected createCell(): HistogramCell {
    return new HistogramCell(this.bounds);
  }
  protected samples(labels: Labels, cell: HistogramCell, out: MetricSample[]): void {
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += cell.counts[i] as number;
      out.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    out.push({ labels: { ...labels, le: '+Inf' }, value: cell.count, metricName: `${this.name}_bucket` });
    out.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
    out.push({ labels, value: cell.count, metricName: `${this.name}_count` });
  }
}
