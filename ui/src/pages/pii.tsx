// PII: incidents by entity type, action and direction over the chosen range — a chart per bucket, a breakdown
// table and the latest incidents. Only entity types, counts, locations and keyed fingerprints: Helix stores no value.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, num } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RANGE_SECONDS, type RangeId } from '../components/range-picker.tsx';
import { RangePage } from '../components/range-page.tsx';
import { Stat } from '../components/stat.tsx';
import { TimeChart, type SeriesSpec } from '../components/time-chart.tsx';
import { TablePanel, type Column } from '../components/data-table.tsx';

interface PiiData {
  series: Row[];
  breakdown: Row[];
  recent: Row[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#ca8a04', '#7c3aed', '#0f766e', '#ea580c', '#db2777', '#4b5563'];
/** The events say request/response; the page says what that is for the reader. */
const DIRECTION: Record<string, string> = { request: 'input', response: 'output' };
const direction = (d: string | number | undefined): string => DIRECTION[String(d)] ?? String(d ?? '');

async function loadPii(range: RangeId): Promise<PiiData> {
  const [series, breakdown, recent] = await Promise.all(['pii_series', 'pii_breakdown', 'pii_recent'].map((q) => namedQuery(q, range)));
  return { series: series ?? [], breakdown: breakdown ?? [], recent: recent ?? [] };
}

/** One row per bucket with a column per entity (the query answers one row per bucket and entity). */
function pivot(rows: Row[]): { rows: Row[]; series: SeriesSpec[] } {
  const entities = [...new Set(rows.map((r) => String(r.entity)))].sort();
  const byT = new Map<number, Row>();
  for (const r of rows) {
    const t = Number(r.t);
    const row = byT.get(t) ?? Object.fromEntries([['t', t], ...entities.map((e) => [e, 0])]);
    row[String(r.entity)] = num(r, 'incidents');
    byT.set(t, row);
  }
  return { rows: [...byT.values()].sort((a, b) => Number(a.t) - Number(b.t)), series: entities.map((e, i) => ({ key: e, label: e, color: COLORS[i % COLORS.length]! })) };
}

const BREAKDOWN_COLUMNS: Array<Column<Row>> = [
  { header: 'entity', cell: (r) => r.entity },
  { header: 'action', cell: (r) => r.action },
  { header: 'direction', cell: (r) => direction(r.direction) },
  { header: 'incidents', cell: (r) => count(num(r, 'incidents')), class: 'incidents' },
  { header: 'requests', cell: (r) => count(num(r, 'requests')), class: 'requests' },
];

const RECENT_COLUMNS: Array<Column<Row>> = [
  { header: 'time (UTC)', cell: (r) => r.at },
  { header: 'entity', cell: (r) => r.entity },
  { header: 'action', cell: (r) => r.action },
  { header: 'direction', cell: (r) => direction(r.direction) },
  { header: 'key', cell: (r) => <code>{r.key_id || '—'}</code> },
  { header: 'team', cell: (r) => r.team_id || '—' },
  { header: 'model', cell: (r) => r.model },
  { header: 'where', cell: (r) => <code>{r.path}</code> },
  { header: 'fingerprint', cell: (r) => <code>{r.fingerprint}</code> },
];

export function PiiPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const { data, error } = usePoll(() => loadPii(range), [range]);
  const chart = pivot(data?.series ?? []);
  const total = (key: string, dir?: string) => (data?.breakdown ?? []).filter((r) => dir === undefined || r.direction === dir).reduce((s, r) => s + num(r, key), 0);
  return (
    <RangePage title="PII incidents" testId="pii" range={range} onRange={setRange} error={error}>
      {data && (
        <>
          <div class="stats">
            <Stat label="incidents" value={count(total('incidents'))} testId="stat-pii-incidents" />
            <Stat label="in input" value={count(total('incidents', 'request'))} testId="stat-pii-input" />
            <Stat label="in output" value={count(total('incidents', 'response'))} testId="stat-pii-output" />
            <Stat label="entity types" value={count(new Set(data.breakdown.map((r) => r.entity)).size)} testId="stat-pii-entities" />
          </div>
          <div class="charts">
            <TimeChart title="Incidents by entity" rows={chart.rows} series={chart.series} format={count} testId="chart-pii" spanSeconds={RANGE_SECONDS[range]} />
          </div>
          <TablePanel
            title="By entity, action and direction"
            testId="pii-breakdown"
            spaced
            empty="No PII incidents in this range."
            columns={BREAKDOWN_COLUMNS}
            rows={data.breakdown}
            rowKey={(r) => `${r.entity}/${r.action}/${r.direction}`}
            rowAttrs={(r) => ({ 'data-entity': r.entity, 'data-action': r.action, 'data-direction': direction(r.direction) })}
          />
          <TablePanel title="Latest incidents (fingerprints, never values)" testId="pii-recent" spaced columns={RECENT_COLUMNS} rows={data.recent} rowKey={(_r, i) => i} />
        </>
      )}
    </RangePage>
  );
}
