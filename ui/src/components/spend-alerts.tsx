// Budget alerts: the threshold crossings of the range (v_budget_alerts), newest first.
import type { Row } from '../api.ts';
import { usd } from '../format.ts';
import { TablePanel, type Column } from './data-table.tsx';

const when = (t: number): string => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);

const COLUMNS: Array<Column<Row>> = [
  { header: 'time (UTC)', cell: (a) => when(Number(a.t)) },
  { header: 'scope', cell: (a) => String(a.label || a.scope) },
  { header: 'period', cell: (a) => String(a.period) },
  { header: 'threshold', cell: (a) => `${Math.round(Number(a.threshold) * 100)}%` },
  { header: 'severity', cell: (a) => String(a.severity), class: (a) => (a.severity === 'exceeded' ? 'blocked' : '') },
  { header: 'spent', cell: (a) => usd(Number(a.spent_usd)) },
  { header: 'limit', cell: (a) => usd(Number(a.limit_usd)) },
];

export function SpendAlerts({ rows }: { rows: Row[] }) {
  return (
    <TablePanel
      title="Budget alerts"
      testId="spend-alerts"
      empty="No budget crossed a threshold in this range."
      columns={COLUMNS}
      rows={rows}
      rowKey={(a) => `${a.scope}|${a.period}|${a.threshold}`}
      rowAttrs={(a) => ({ 'data-testid': 'alert-row', 'data-scope': String(a.scope), 'data-threshold': Number(a.threshold), 'data-severity': String(a.severity) })}
    />
  );
}
