// Anomalies: what the anomaly consumers raised over the chosen range (kind, severity, scope, observed against the
// usual) and how their webhooks fared — attempts per endpoint and status, and the latest attempts with their reason.
import { useState } from 'preact/hooks';
import { namedQuery, type Row } from '../api.ts';
import { count, num } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RangePicker, type RangeId } from '../components/range-picker.tsx';
import { Stat } from '../components/stat.tsx';
import { ErrorLine } from '../components/error-line.tsx';

interface AnomalyData {
  anomalies: Row[];
  summary: Row[];
  deliveries: Row[];
}

const SPACED = { marginTop: '0.8rem' };
/** anomalies_recent lists at most this many (gateway/dashboard/queries-anomalies.ts). */
const ANOMALY_LIMIT = 100;

async function loadAnomalies(range: RangeId): Promise<AnomalyData> {
  const [anomalies, summary, deliveries] = await Promise.all(['anomalies_recent', 'webhook_summary', 'webhook_recent'].map((q) => namedQuery(q, range)));
  return { anomalies: anomalies ?? [], summary: summary ?? [], deliveries: deliveries ?? [] };
}

/** Observed and baseline values: money and tokens alike, to a readable precision. */
const value = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) < 1 ? 4 : 2 });

function Anomalies({ rows }: { rows: Row[] }) {
  return (
    <section class="panel" style={SPACED} data-testid="anomalies-table">
      <h3>Anomalies</h3>
      <table class="keys">
        <thead>
          <tr>
            <th>time (UTC)</th>
            <th>severity</th>
            <th>kind</th>
            <th>scope</th>
            <th>metric</th>
            <th>observed</th>
            <th>expected</th>
            <th>webhooks delivered / dead-lettered</th>
            <th>summary</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.anomaly_id} data-anomaly-id={r.anomaly_id} data-kind={r.kind}>
              <td>{r.at}</td>
              <td class={`severity-${r.severity}`}>{r.severity}</td>
              <td>{r.kind}</td>
              <td>
                {r.dimension}: <code>{r.entity}</code>
              </td>
              <td>{r.metric}</td>
              <td class="observed">{value(num(r, 'observed'))}</td>
              <td class="expected">{value(num(r, 'baseline'))}</td>
              <td>
                {count(num(r, 'delivered_endpoints'))} / {count(num(r, 'dead_lettered_endpoints'))}
              </td>
              <td>{r.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No anomalies in this range.</p>}
    </section>
  );
}

function DeliverySummary({ rows }: { rows: Row[] }) {
  return (
    <section class="panel" style={SPACED} data-testid="webhook-summary">
      <h3>Webhook deliveries by endpoint</h3>
      <table class="keys">
        <thead>
          <tr>
            <th>endpoint</th>
            <th>status</th>
            <th>attempts</th>
            <th>most attempts</th>
            <th>last reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.endpoint}/${r.status}`} data-endpoint={r.endpoint} data-status={r.status}>
              <td>{r.endpoint}</td>
              <td>{r.status}</td>
              <td class="attempts">{count(num(r, 'attempts'))}</td>
              <td>{count(num(r, 'max_attempt'))}</td>
              <td>{r.last_error || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No webhook deliveries in this range.</p>}
    </section>
  );
}

function Deliveries({ rows }: { rows: Row[] }) {
  return (
    <section class="panel" style={SPACED} data-testid="webhook-recent">
      <h3>Latest delivery attempts</h3>
      <table class="keys">
        <thead>
          <tr>
            <th>time (UTC)</th>
            <th>endpoint</th>
            <th>anomaly</th>
            <th>attempt</th>
            <th>status</th>
            <th>HTTP</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>{r.at}</td>
              <td>{r.endpoint}</td>
              <td>{r.anomaly_kind}</td>
              <td>{r.attempt}</td>
              <td>{r.status}</td>
              <td>{num(r, 'http_status') || '—'}</td>
              <td>{r.error || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function AnomaliesPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const { data, error } = usePoll(() => loadAnomalies(range), [range]);
  const attempts = (status: string) => (data?.summary ?? []).filter((r) => r.status === status).reduce((s, r) => s + num(r, 'attempts'), 0);
  return (
    <div class="page" data-testid="anomalies">
      <header class="page-head">
        <h2>Anomalies</h2>
        <RangePicker value={range} onChange={setRange} />
      </header>
      <ErrorLine message={error} />
      {data && (
        <>
          <div class="stats">
            <Stat label={data.anomalies.length === ANOMALY_LIMIT ? 'anomalies (the latest 100 listed)' : 'anomalies'} value={count(data.anomalies.length)} testId="stat-anomalies" />
            <Stat label="webhooks delivered" value={count(attempts('delivered'))} testId="stat-webhooks-delivered" />
            <Stat label="failed attempts" value={count(attempts('failed'))} testId="stat-webhooks-failed" />
            <Stat label="dead-lettered" value={count(attempts('dead_lettered'))} testId="stat-webhooks-dead" />
          </div>
          <Anomalies rows={data.anomalies} />
          <DeliverySummary rows={data.summary} />
          <Deliveries rows={data.deliveries} />
        </>
      )}
    </div>
  );
}
