// PII: incidents by entity type, action and direction over the chosen range — a chart per bucket, a breakdown
// table and the latest incidents. Only entity types, counts, locations and keyed fingerprints: Helix stores no value.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, num } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RANGE_SECONDS, RangePicker, type RangeId } from '../components/range-picker.tsx';
import { Stat } from '../components/stat.tsx';
import { TimeChart, type SeriesSpec } from '../components/time-chart.tsx';
import { ErrorLine } from '../components/error-line.tsx';

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

function Breakdown({ rows }: { rows: Row[] }) {
  return (
    <section class="panel" style={{ marginTop: '0.8rem' }} data-testid="pii-breakdown">
      <h3>By entity, action and direction</h3>
      <table class="keys">
        <thead>
          <tr>
            <th>entity</th>
            <th>action</th>
            <th>direction</th>
            <th>incidents</th>
            <th>requests</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.entity}/${r.action}/${r.direction}`} data-entity={r.entity} data-action={r.action} data-direction={direction(r.direction)}>
              <td>{r.entity}</td>
              <td>{r.action}</td>
              <td>{direction(r.direction)}</td>
              <td class="incidents">{count(num(r, 'incidents'))}</td>
              <td class="requests">{count(num(r, 'requests'))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No PII incidents in this range.</p>}
    </section>
  );
}

function Recent({ rows }: { rows: Row[] }) {
  return (
    <section class="panel" style={{ marginTop: '0.8rem' }} data-testid="pii-recent">
      <h3>Latest incidents (fingerprints, never values)</h3>
      <table class="keys">
        <thead>
          <tr>
            <th>time (UTC)</th>
            <th>entity</th>
            <th>action</th>
            <th>direction</th>
            <th>key</th>
            <th>team</th>
            <th>model</th>
            <th>where</th>
            <th>fingerprint</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>{r.at}</td>
              <td>{r.entity}</td>
              <td>{r.action}</td>
              <td>{direction(r.direction)}</td>
              <td>
                <code>{r.key_id || '—'}</code>
              </td>
              <td>{r.team_id || '—'}</td>
              <td>{r.model}</td>
              <td>
                <code>{r.path}</code>
              </td>
              <td>
                <code>{r.fingerprint}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function PiiPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const { data, error } = usePoll(() => loadPii(range), [range]);
  const chart = pivot(data?.series ?? []);
  const total = (key: string, dir?: string) => (data?.breakdown ?? []).filter((r) => dir === undefined || r.direction === dir).reduce((s, r) => s + num(r, key), 0);
  return (
    <div class="page" data-testid="pii">
      <header class="page-head">
        <h2>PII incidents</h2>
        <RangePicker value={range} onChange={setRange} />
      </header>
      <ErrorLine message={error} />
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
          <Breakdown rows={data.breakdown} />
          <Recent rows={data.recent} />
        </>
      )}
    </div>
  );
}
