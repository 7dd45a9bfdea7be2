// The similarity of semantic cache hits as a bar chart (uPlot bars): one bar per 0.01-wide bin, from the lowest bin
// with hits (at most LOWEST_SHOWN) up to 1.00, empty bins drawn as zero so the shape reads at a glance.
import uPlot from 'uplot';
import { count } from '../format.ts';
import { useUPlot } from './use-uplot.ts';

export interface SimilarityBin {
  /** Lower edge of the bin, e.g. 0.91 for [0.91, 0.92). */
  bin: number;
  hits: number;
}

/** The axis starts here unless a hit is lower: the default threshold (0.88) sits inside it. */
const LOWEST_SHOWN = 0.85;
const BINS_PER_UNIT = 100;

/** Every bin from the lowest shown to 1.00, zero where the query had none. */
export function fillBins(bins: SimilarityBin[]): uPlot.AlignedData {
  const byPct = new Map(bins.map((b) => [Math.round(b.bin * BINS_PER_UNIT), b.hits]));
  const lowest = Math.min(Math.round(LOWEST_SHOWN * BINS_PER_UNIT), ...byPct.keys());
  const xs: number[] = [];
  const ys: number[] = [];
  for (let pct = Math.max(0, lowest); pct <= BINS_PER_UNIT; pct++) {
    xs.push(pct / BINS_PER_UNIT);
    ys.push(byPct.get(pct) ?? 0);
  }
  return [xs, ys];
}

export function SimilarityHistogram({ bins, testId }: { bins: SimilarityBin[]; testId: string }) {
  const data = fillBins(bins);
  const host = useUPlot(
    () => ({
      legend: { show: false },
      cursor: { points: { show: false } },
      series: [
        { value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toFixed(2)) },
        { label: 'semantic hits', fill: '#7c3aed', stroke: '#7c3aed', paths: uPlot.paths.bars?.({ size: [0.8, 40] }), points: { show: false } },
      ],
      axes: [{ values: (_u, ticks) => ticks.map((t) => t.toFixed(2)) }, { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? count(t) : '')), size: 50 }],
      scales: {
        x: { time: false, range: (_u, min, max) => [min - 0.5 / BINS_PER_UNIT, max + 0.5 / BINS_PER_UNIT] },
        y: { range: (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.1) : 1] },
      },
    }),
    data,
    [],
  );

  return (
    <section class="panel" data-testid={testId}>
      <h3>Similarity of semantic hits</h3>
      <div ref={host} class="chart" />
      {bins.length === 0 ? (
        <p class="empty">No semantic hits in this range.</p>
      ) : (
        <p class="empty" data-testid={`${testId}-bins`}>
          {bins.map((b) => `${b.bin.toFixed(2)}: ${count(b.hits)}`).join(' · ')}
        </p>
      )}
    </section>
  );
}
