// A time-series chart (uPlot): one x axis of bucket starts (unix seconds), one line per series. The chart is made
// once per set of series and fed new data on every refresh, so it does not flicker.
import { useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { useUPlot } from './use-uplot.ts';

export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
}

export interface TimeChartProps {
  title: string;
  rows: Array<Record<string, number | string>>;
  series: SeriesSpec[];
  format: (n: number) => string;
  testId: string;
  /** Seconds the x axis spans, ending now: the chosen range, however few buckets have traffic. */
  spanSeconds: number;
}

export function TimeChart({ title, rows, series, format, testId, spanSeconds }: TimeChartProps) {
  const spanRef = useRef(spanSeconds);
  spanRef.current = spanSeconds;
  const data: uPlot.AlignedData = [rows.map((r) => Number(r.t)), ...series.map((s) => rows.map((r) => Number(r[s.key] ?? 0)))];
  const host = useUPlot(
    () => ({
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 5 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) }))],
      axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 70 }],
      scales: {
        x: { time: true, range: () => [Date.now() / 1000 - spanRef.current, Date.now() / 1000] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
    }),
    data,
    [series.map((s) => s.key).join(',')],
  );

  return (
    <section class="panel" data-testid={testId}>
      <h3>{title}</h3>
      <div ref={host} class="chart" />
      {rows.length === 0 && <p class="empty">No traffic in this range.</p>}
    </section>
  );
}
