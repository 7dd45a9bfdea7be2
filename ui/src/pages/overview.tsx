// Overview: traffic, errors, latency and gateway overhead, spend, and what Helix saved (cache hits, model swaps)
// over the chosen range, from the gateway's named queries over the SQL views.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, ms, num, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RANGE_SECONDS, type RangeId } from '../components/range-picker.tsx';
import { RangePage } from '../components/range-page.tsx';
import { Stat } from '../components/stat.tsx';
import { TimeChart, type SeriesSpec } from '../components/time-chart.tsx';

interface OverviewData {
  totals: Row | undefined;
  traffic: Row[];
  latency: Row[];
  spend: Row[];
}

const TRAFFIC: SeriesSpec[] = [
  { key: 'requests', label: 'requests', color: '#2563eb' },
  { key: 'errors', label: 'errors', color: '#dc2626' },
  { key: 'cache_hits', label: 'cache hits', color: '#16a34a' },
];
const LATENCY: SeriesSpec[] = [
  { key: 'p50_ms', label: 'p50', color: '#2563eb' },
  { key: 'p95_ms', label: 'p95', color: '#7c3aed' },
  { key: 'overhead_p95_ms', label: 'gateway overhead p95', color: '#ea580c' },
];
const SPEND: SeriesSpec[] = [
  { key: 'spend_usd', label: 'spend', color: '#0f766e' },
  { key: 'cache_saved_usd', label: 'saved by cache', color: '#16a34a' },
  { key: 'swap_saved_usd', label: 'saved by model swaps', color: '#ca8a04' },
];

async function loadOverview(range: RangeId): Promise<OverviewData> {
  const [totals, traffic, latency, spend] = await Promise.all(['totals', 'traffic', 'latency', 'spend'].map((q) => namedQuery(q, range)));
  return { totals: totals?.[0], traffic: traffic ?? [], latency: latency ?? [], spend: spend ?? [] };
}

export function OverviewPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const { data, error } = usePoll(() => loadOverview(range), [range]);
  const t = data?.totals;
  return (
    <RangePage title="Overview" testId="overview" range={range} onRange={setRange} error={error}>
      {data && (
        <>
          <div class="stats">
            <Stat label="requests" value={count(num(t, 'requests'))} testId="stat-requests" />
            <Stat label="errors" value={count(num(t, 'errors'))} testId="stat-errors" />
            <Stat label="latency p50 / p95" value={`${ms(num(t, 'p50_ms'))} / ${ms(num(t, 'p95_ms'))}`} testId="stat-latency" />
            <Stat label="gateway overhead p95" value={ms(num(t, 'overhead_p95_ms'))} testId="stat-overhead" />
            <Stat label="spend" value={usd(num(t, 'spend_usd'))} testId="stat-spend" />
            <Stat label="cache hits" value={count(num(t, 'cache_hits'))} testId="stat-cache-hits" />
            <Stat label="saved (cache + swaps)" value={usd(num(t, 'cache_saved_usd') + num(t, 'swap_saved_usd'))} testId="stat-saved" />
          </div>
          <div class="charts">
            <TimeChart title="Requests, errors, cache hits" rows={data.traffic} series={TRAFFIC} format={count} testId="chart-traffic" spanSeconds={RANGE_SECONDS[range]} />
            <TimeChart title="Latency and gateway overhead" rows={data.latency} series={LATENCY} format={ms} testId="chart-latency" spanSeconds={RANGE_SECONDS[range]} />
            <TimeChart title="Spend and savings (USD)" rows={data.spend} series={SPEND} format={usd} testId="chart-spend" spanSeconds={RANGE_SECONDS[range]} />
          </div>
        </>
      )}
    </RangePage>
  );
}
