// Spend: what the range cost by team, key, user, end user, model or tag (a group-by switch over the gateway's named
// queries on the spend views), spend over time, budget burn against each max_budget, and the budget alerts.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, num, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RANGE_SECONDS, type RangeId } from '../components/range-picker.tsx';
import { RangePage } from '../components/range-page.tsx';
import { Stat } from '../components/stat.tsx';
import { TimeChart, type SeriesSpec } from '../components/time-chart.tsx';
import { SpendBudgets } from '../components/spend-budgets.tsx';
import { SpendAlerts } from '../components/spend-alerts.tsx';

/** The group-by choices: each names its query (gateway/dashboard/queries-spend.ts) and how a row without one reads. */
const DIMENSIONS = [
  { id: 'team', label: 'team', none: '(no team)', daily: false },
  { id: 'key', label: 'key', none: '(no key)', daily: false },
  { id: 'user', label: 'user', none: '(no user)', daily: false },
  { id: 'end_user', label: 'end user', none: '(no end user)', daily: true },
  { id: 'model', label: 'model', none: '(no model)', daily: false },
  { id: 'tag', label: 'tag', none: '(untagged)', daily: true },
] as const;
type DimensionId = (typeof DIMENSIONS)[number]['id'];

const SPEND: SeriesSpec[] = [{ key: 'spend_usd', label: 'spend', color: '#0f766e' }];

interface SpendData {
  breakdown: Row[];
  series: Row[];
  alerts: Row[];
}

async function loadSpend(range: RangeId, dimension: DimensionId): Promise<SpendData> {
  const [breakdown, series, alerts] = await Promise.all([namedQuery(`spend_by_${dimension}`, range), namedQuery('spend', range), namedQuery('budget_alerts', range)]);
  return { breakdown, series, alerts };
}

/** The first UTC day the daily views count for this range (they have no finer grain). */
const firstDay = (range: RangeId): string => new Date(Date.now() - RANGE_SECONDS[range] * 1000).toISOString().slice(0, 10);

function GroupBy({ value, onChange }: { value: DimensionId; onChange: (d: DimensionId) => void }) {
  return (
    <div class="range" role="group" aria-label="Group by" data-testid="spend-group-by">
      {DIMENSIONS.map((d) => (
        <button type="button" key={d.id} data-dimension={d.id} class={d.id === value ? 'on' : ''} aria-pressed={d.id === value} onClick={() => onChange(d.id)}>
          {d.label}
        </button>
      ))}
    </div>
  );
}

function Breakdown({ rows, dimension, range }: { rows: Row[]; dimension: DimensionId; range: RangeId }) {
  const dim = DIMENSIONS.find((d) => d.id === dimension)!;
  return (
    <section class="panel" data-testid="spend-breakdown" data-dimension={dimension}>
      <h3>
        Spend by {dim.label}
        {dim.daily && <span class="empty"> (whole UTC days from {firstDay(range)}{dimension === 'tag' ? '; a request with several tags counts under each' : ''})</span>}
      </h3>
      <table class="keys">
        <thead>
          <tr>
            <th>{dim.label}</th>
            <th>spend</th>
            <th>requests</th>
            <th>cache hits</th>
            <th>tokens</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const name = String(r.name ?? '');
            return (
              <tr key={name} data-testid="spend-row" data-name={name} data-spend={num(r, 'spend_usd')} data-requests={num(r, 'requests')}>
                <td>{name === '' ? dim.none : name}</td>
                <td>{usd(num(r, 'spend_usd'))}</td>
                <td>{count(num(r, 'requests'))}</td>
                <td>{count(num(r, 'cache_hits'))}</td>
                <td>{count(num(r, 'tokens'))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No spend in this range.</p>}
    </section>
  );
}

export function SpendPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const [dimension, setDimension] = useState<DimensionId>('team');
  const { data, error } = usePoll(() => loadSpend(range, dimension), [range, dimension]);
  const total = (data?.series ?? []).reduce((s, r) => s + num(r, 'spend_usd'), 0);
  return (
    <RangePage title="Spend" testId="spend" range={range} onRange={setRange} error={error}>
      {data && (
        <>
          <div class="stats">
            <Stat label="spend in range" value={usd(total)} testId="stat-spend-total" />
            <Stat label="budget alerts in range" value={count(data.alerts.length)} testId="stat-budget-alerts" />
          </div>
          <div class="charts">
            <TimeChart title="Spend (USD)" rows={data.series} series={SPEND} format={usd} testId="chart-spend-over-time" spanSeconds={RANGE_SECONDS[range]} />
            <SpendAlerts rows={data.alerts} />
          </div>
          <div class="page-head">
            <span />
            <GroupBy value={dimension} onChange={setDimension} />
          </div>
          <Breakdown rows={data.breakdown} dimension={dimension} range={range} />
        </>
      )}
      <SpendBudgets />
    </RangePage>
  );
}
