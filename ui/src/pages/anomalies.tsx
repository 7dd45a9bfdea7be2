// Anomalies: what the anomaly consumers raised over the chosen range (kind, severity, scope, observed against the
// usual) and how their webhooks fared — attempts per endpoint and status, and the latest attempts with their reason.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, num } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { type RangeId } from '../components/range-picker.tsx';
import { RangePage } from '../components/range-page.tsx';
import { Stat } from '../components/stat.tsx';
import { TablePanel, type Column } from '../components/data-table.tsx';

interface AnomalyData {
  anomalies: Row[];
  summary: Row[];
  deliveries: Row[];
}

/** anomalies_recent lists at most this many (gateway/dashboard/queries-anomalies.ts). */
const ANOMALY_LIMIT = 100;

async function loadAnomalies(range: RangeId): Promise<AnomalyData> {
  const [anomalies, summary, deliveries] = await Promise.all(['anomalies_recent', 'webhook_summary', 'webhook_recent'].map((q) => namedQuery(q, range)));
  return { anomalies: anomalies ?? [], summary: summary ?? [], deliveries: deliveries ?? [] };
}

/** Observed and baseline values: money and tokens alike, to a readable precision. */
const value = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) < 1 ? 4 : 2 });

const ANOMALY_COLUMNS: Array<Column<Row>> = [
  { header: 'time (UTC)', cell: (r) => r.at },
  { header: 'severity', cell: (r) => r.severity, class: (r) => `severity-${r.severity}` },
  { header: 'kind', cell: (r) => r.kind },
  {
    header: 'scope',
    cell: (r) => (
      <>
        {r.dimension}: <code>{r.entity}</code>
      </>
    ),
  },
  { header: 'metric', cell: (r) => r.metric },
  { header: 'observed', cell: (r) => value(num(r, 'observed')), class: 'observed' },
  { header: 'expected', cell: (r) => value(num(r, 'baseline')), class: 'expected' },
  { header: 'webhooks delivered / dead-lettered', cell: (r) => `${count(num(r, 'delivered_endpoints'))} / ${count(num(r, 'dead_lettered_endpoints'))}` },
  { header: 'summary', cell: (r) => r.summary },
];

const SUMMARY_COLUMNS: Array<Column<Row>> = [
  { header: 'endpoint', cell: (r) => r.endpoint },
  { header: 'status', cell: (r) => r.status },
  { header: 'attempts', cell: (r) => count(num(r, 'attempts')), class: 'attempts' },
  { header: 'most attempts', cell: (r) => count(num(r, 'max_attempt')) },
  { header: 'last reason', cell: (r) => r.last_error || '—' },
];

const DELIVERY_COLUMNS: Array<Column<Row>> = [
  { header: 'time (UTC)', cell: (r) => r.at },
  { header: 'endpoint', cell: (r) => r.endpoint },
  { header: 'anomaly', cell: (r) => r.anomaly_kind },
  { header: 'attempt', cell: (r) => r.attempt },
  { header: 'status', cell: (r) => r.status },
  { header: 'HTTP', cell: (r) => num(r, 'http_status') || '—' },
  { header: 'reason', cell: (r) => r.error || '—' },
];

export function AnomaliesPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const { data, error } = usePoll(() => loadAnomalies(range), [range]);
  const attempts = (status: string) => (data?.summary ?? []).filter((r) => r.status === status).reduce((s, r) => s + num(r, 'attempts'), 0);
  return (
    <RangePage title="Anomalies" testId="anomalies" range={range} onRange={setRange} error={error}>
      {data && (
        <>
          <div class="stats">
            <Stat label={data.anomalies.length === ANOMALY_LIMIT ? 'anomalies (the latest 100 listed)' : 'anomalies'} value={count(data.anomalies.length)} testId="stat-anomalies" />
            <Stat label="webhooks delivered" value={count(attempts('delivered'))} testId="stat-webhooks-delivered" />
            <Stat label="failed attempts" value={count(attempts('failed'))} testId="stat-webhooks-failed" />
            <Stat label="dead-lettered" value={count(attempts('dead_lettered'))} testId="stat-webhooks-dead" />
          </div>
          <TablePanel
            title="Anomalies"
            testId="anomalies-table"
            spaced
            empty="No anomalies in this range."
            columns={ANOMALY_COLUMNS}
            rows={data.anomalies}
            rowKey={(r) => String(r.anomaly_id)}
            rowAttrs={(r) => ({ 'data-anomaly-id': r.anomaly_id, 'data-kind': r.kind })}
          />
          <TablePanel
            title="Webhook deliveries by endpoint"
            testId="webhook-summary"
            spaced
            empty="No webhook deliveries in this range."
            columns={SUMMARY_COLUMNS}
            rows={data.summary}
            rowKey={(r) => `${r.endpoint}/${r.status}`}
            rowAttrs={(r) => ({ 'data-endpoint': r.endpoint, 'data-status': r.status })}
          />
          <TablePanel title="Latest delivery attempts" testId="webhook-recent" spaced columns={DELIVERY_COLUMNS} rows={data.deliveries} rowKey={(_r, i) => i} />
        </>
      )}
    </RangePage>
  );
}
