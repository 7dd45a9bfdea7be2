// A time-series chart (uPlot): one x axis of bucket starts (unix seconds), one line per series. The chart is made
// once per set of series and fed new data on every refresh, so it does not flicker.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

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

const HEIGHT = 220;

export function TimeChart({ title, rows, series, format, testId, spanSeconds }: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const spanRef = useRef(spanSeconds);
  spanRef.current = spanSeconds;
  const data: uPlot.AlignedData = [rows.map((r) => Number(r.t)), ...series.map((s) => rows.map((r) => Number(r[s.key] ?? 0)))];

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: HEIGHT,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 5 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) }))],
      axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 70 }],
      scales: {
        x: { time: true, range: () => [Date.now() / 1000 - spanRef.current, Date.now() / 1000] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
    };
    chart.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => chart.current?.setSize({ width: Math.max(300, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [series.map((s) => s.key).join(',')]);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return (
    <section class="panel" data-testid={testId}>
      <h3>{title}</h3>
      <div ref={host} class="chart" />
      {rows.length === 0 && <p class="empty">No traffic in this range.</p>}
    </section>
  );
}
