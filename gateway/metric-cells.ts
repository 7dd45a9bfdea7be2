// Counters and histograms for the per-request metrics, exposed through a prom-client Registry exactly as
// prom-client's own Counter/Histogram would expose them (same names, HELP/TYPE, label order, buckets, +Inf, _sum,
// _count), but cheap to update. prom-client validates the labels, builds a hash string and allocates closures on
// every inc()/observe(), even through a `.labels()` child, several times the cost of an update here (bench/micro.ts).
// Here a label combination is resolved to a cell once; updating a cell is a few number additions.
import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string>;

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Labels;
  /** prom-client's buckets carry `exemplar: null` (exemplars are off); kept for identical JSON. */
  exemplar?: null;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

/**
 * Like prom-client, a series exists from its first update on (resolving its labels alone adds none) and series are
 * exported in the order they were first updated: `activate` tells the metric.
 */
abstract class Cell {
  used = false;

  constructor(private readonly activate: (cell: Cell) => void) {}

  protected touch(): void {
    if (this.used) return;
    this.used = true;
    this.activate(this);
  }

  abstract zero(): void;
}

export class CounterCell extends Cell {
  value = 0;

  /** Adds `n`; ignored unless finite and ≥ 0 (prom-client would throw, losing the event that carried it). */
  inc(n = 1): void {
    if (!(n >= 0 && n !== Infinity)) return;
    this.value += n;
    this.touch();
  }

  zero(): void {
    this.value = 0;
    this.used = false;
  }
}

export class HistogramCell extends Cell {
  /** Per-bucket (not cumulative) counts, one per upper bound; values above the last bound only count in +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    activate: (cell: Cell) => void,
    private readonly upperBounds: readonly number[],
  ) {
    super(activate);
    this.counts = new Array<number>(upperBounds.length).fill(0);
  }

  /** Records one value; ignored unless finite (prom-client would throw). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count += 1;
    this.touch();
  }

  zero(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.used = false;
  }
}

/** The part of prom-client's metric interface a Registry uses (metrics(), getMetricsAsJSON(), resetMetrics()). */
abstract class CellMetric<C extends CounterCell | HistogramCell> {
  readonly aggregator = 'sum';
  private readonly cells = new Map<string, C>();
  /** Updated series, in order of their first update (what prom-client exports), with their labels. */
  private readonly active = new Map<Cell, Labels>();
  private readonly labelsOf = new Map<Cell, Labels>();
  protected readonly activate = (cell: Cell): void => void this.active.set(cell, this.labelsOf.get(cell)!);

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The cell for these label values (in labelNames order). Keep it: resolving it is the costly part. */
  labels(...values: string[]): C {
    const id = values.join('\u0000');
    let cell = this.cells.get(id);
    if (!cell) {
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      cell = this.newCell();
      this.labelsOf.set(cell, labels);
      this.cells.set(id, cell);
    }
    return cell;
  }

  /** Like prom-client's reset(): every series is dropped until updated again (cells handed out stay valid). */
  reset(): void {
    for (const cell of this.active.keys()) cell.zero();
    this.active.clear();
  }

  /** Called at the end of subclass constructors, once their fields are set. */
  protected register(registry: Registry): void {
    // Like prom-client: a metric without labels has its one series from the start (exported as zeros).
    if (this.labelNames.length === 0) {
      const cell = this.labels();
      cell.used = true;
      this.activate(cell);
    }
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series to export. */
  protected *exported(): Generator<{ labels: Labels; cell: C }> {
    for (const [cell, labels] of this.active) yield { labels, cell: cell as C };
  }

  protected abstract newCell(): C;
}

export class CounterCells extends CellMetric<CounterCell> {
  readonly type = 'counter';

  constructor(opts: { name: string; help: string; labelNames?: readonly string[]; registry: Registry }) {
    super(opts.name, opts.help, opts.labelNames ?? []);
    this.register(opts.registry);
  }

  protected newCell(): CounterCell {
    return new CounterCell(this.activate);
  }

  get(): MetricData {
    const values = [...this.exported()].map(({ labels, cell }) => ({ value: cell.value, labels }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class HistogramCells extends CellMetric<HistogramCell> {
  readonly type = 'histogram';
  readonly upperBounds: readonly number[];

  constructor(opts: { name: string; help: string; labelNames?: readonly string[]; buckets: readonly number[]; registry: Registry }) {
    super(opts.name, opts.help, opts.labelNames ?? []);
    this.upperBounds = [...opts.buckets].sort((a, b) => a - b);
    this.register(opts.registry);
  }

  protected newCell(): HistogramCell {
    return new HistogramCell(this.activate, this.upperBounds);
  }

  /** What the Registry prints: bucket values carry the series labels as shared labels, after `le` (prom-client's layout). */
  getForPromString(): MetricData {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, cell } of this.exported()) {
      let acc = 0;
      this.upperBounds.forEach((le, i) => {
        acc += cell.counts[i]!;
        values.push({ labels: { le }, sharedLabels: labels, value: acc, metricName: bucket, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: cell.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** For getMetricsAsJSON: shared labels folded into each value's labels, as prom-client's Histogram.get() does. */
  get(): MetricData {
    const data = this.getForPromString();
    data.values = data.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }
}
