// Budget alerts: the threshold crossings of the range (v_budget_alerts), newest first.
import type { Row } from '../api.ts';
import { usd } from '../format.ts';

const when = (t: number): string => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);

export function SpendAlerts({ rows }: { rows: Row[] }) {
  return (
    <section class="panel" data-testid="spend-alerts">
      <h3>Budget alerts</h3>
      <table class="keys">
        <thead>
          <tr>
            <th>time (UTC)</th>
            <th>scope</th>
            <th>period</th>
            <th>threshold</th>
            <th>severity</th>
            <th>spent</th>
            <th>limit</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={`${a.scope}|${a.period}|${a.threshold}`} data-testid="alert-row" data-scope={String(a.scope)} data-threshold={Number(a.threshold)} data-severity={String(a.severity)}>
              <td>{when(Number(a.t))}</td>
              <td>{String(a.label || a.scope)}</td>
              <td>{String(a.period)}</td>
              <td>{`${Math.round(Number(a.threshold) * 100)}%`}</td>
              <td class={a.severity === 'exceeded' ? 'blocked' : ''}>{String(a.severity)}</td>
              <td>{usd(Number(a.spent_usd))}</td>
              <td>{usd(Number(a.limit_usd))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No budget crossed a threshold in this range.</p>}
    </section>
  );
}
