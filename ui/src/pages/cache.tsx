// Cache: hit rate exact vs semantic, the tokens (cache events) and dollars (ledger) the cache saved, and how similar
// semantic hits were to the entries they were served from, over the chosen range.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, ms, num, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RANGE_SECONDS, type RangeId } from '../components/range-picker.tsx';
import { RangePage } from '../components/range-page.tsx';
import { Stat } from '../components/stat.tsx';
import { TimeChart, type SeriesSpec } from '../components/time-chart.tsx';
import { SimilarityHistogram, type SimilarityBin } from '../components/cache-similarity-histogram.tsx';

interface CacheData {
  totals: Row | undefined;
  rate: Row[];
  saved: Row[];
  similarity: SimilarityBin[];
}

const pct = (n: number): string => `${(n * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;

/** Hit counts: whole ticks only (a 1.5 tick would read as 2). */
const hits = (n: number): string => (Number.isInteger(n) ? count(n) : '');

const RATE: SeriesSpec[] = [
  { key: 'exact_rate', label: 'exact', color: '#2563eb' },
  { key: 'semantic_rate', label: 'semantic', color: '#7c3aed' },
];
const HITS: SeriesSpec[] = [
  { key: 'exact_hits', label: 'exact hits', color: '#2563eb' },
  { key: 'semantic_hits', label: 'semantic hits', color: '#7c3aed' },
];
const SAVED_USD: SeriesSpec[] = [{ key: 'cache_saved_usd', label: 'saved', color: '#16a34a' }];
const SAVED_TOKENS: SeriesSpec[] = [{ key: 'saved_tokens', label: 'tokens saved', color: '#0f766e' }];

async function loadCache(range: RangeId): Promise<CacheData> {
  const [totals, rate, saved, similarity] = await Promise.all(['cache_totals', 'cache_rate', 'cache_saved', 'cache_similarity'].map((q) => namedQuery(q, range)));
  return {
    totals: totals?.[0],
    rate: rate ?? [],
    saved: saved ?? [],
    similarity: (similarity ?? []).map((r) => ({ bin: num(r, 'bin'), hits: num(r, 'hits') })),
  };
}

export function CachePage() {
  const [range, setRange] = useState<RangeId>('24h');
  const { data, error } = usePoll(() => loadCache(range), [range]);
  const t = data?.totals;
  const span = RANGE_SECONDS[range];
  return (
    <RangePage title="Cache" testId="cache" range={range} onRange={setRange} error={error}>
      {data && (
        <>
          <div class="stats">
            <Stat label="requests" value={count(num(t, 'requests'))} testId="stat-cache-requests" />
            <Stat label="exact hits" value={count(num(t, 'exact_hits'))} testId="stat-exact-hits" />
            <Stat label="semantic hits" value={count(num(t, 'semantic_hits'))} testId="stat-semantic-hits" />
            <Stat label="hit rate exact / semantic" value={`${pct(num(t, 'exact_rate'))} / ${pct(num(t, 'semantic_rate'))}`} testId="stat-hit-rate" />
            <Stat label="tokens saved" value={count(num(t, 'saved_tokens'))} testId="stat-saved-tokens" />
            <Stat label="dollars saved" value={usd(num(t, 'cache_saved_usd'))} testId="stat-saved-usd" />
            <Stat label="upstream time saved" value={ms(num(t, 'saved_latency_ms'))} testId="stat-saved-latency" />
            <Stat label="avg semantic similarity" value={num(t, 'semantic_hits') > 0 ? num(t, 'avg_semantic_similarity').toFixed(3) : '–'} testId="stat-avg-similarity" />
          </div>
          <div class="charts">
            <TimeChart title="Hit rate, exact vs semantic" rows={data.rate} series={RATE} format={pct} testId="chart-hit-rate" spanSeconds={span} />
            <TimeChart title="Cache hits" rows={data.rate} series={HITS} format={hits} testId="chart-hits" spanSeconds={span} />
            <TimeChart title="Dollars saved (USD)" rows={data.saved} series={SAVED_USD} format={usd} testId="chart-saved-usd" spanSeconds={span} />
            <TimeChart title="Tokens saved" rows={data.saved} series={SAVED_TOKENS} format={count} testId="chart-saved-tokens" spanSeconds={span} />
            <SimilarityHistogram bins={data.similarity} testId="chart-similarity" />
          </div>
        </>
      )}
    </RangePage>
  );
}
