// Budget alerts from the ledger (schemas/events/ledger.ts BudgetAlert: a budget crossed a threshold), forwarded as
// `budget_alert` anomalies so they reach the Anomalies board and the webhooks like every other incident. The ledger
// emits each crossing once with a derived id; the forwarder dedupes on that id, so redeliveries stay one alert.
import type { AnomalyDimension, AnomalyEvent } from '../../schemas/events/anomaly.ts';
import type { BudgetAlert } from '../../schemas/events/ledger.ts';
import { budgetAnomaly } from './anomaly-event.ts';

const DIMENSIONS: Record<string, AnomalyDimension> = { key: 'key', team: 'team', user: 'user' };

export function budgetAlertToAnomaly(alert: BudgetAlert): AnomalyEvent {
  // scope is `<kind>:<id>` (or `global`).
  const colon = alert.scope.indexOf(':');
  const kind = colon > 0 ? alert.scope.slice(0, colon) : alert.scope_kind;
  const dimension = DIMENSIONS[kind] ?? 'team';
  const entity = colon > 0 ? alert.scope.slice(colon + 1) : alert.scope;
  return budgetAnomaly({
    subject: {
      dimension,
      entity,
      key_id: dimension === 'key' ? entity : '',
      team_id: dimension === 'team' ? entity : alert.team_id,
      user_id: dimension === 'user' ? entity : '',
    },
    spend: alert.spent_usd,
    budget: alert.limit_usd,
    severity: alert.severity === 'exceeded' || alert.threshold >= 1 ? 'critical' : 'warning',
    sourceEventId: alert.event_id,
    windowStartMs: Date.parse(alert.period_start) || Date.parse(alert.ts),
    details: { scope: alert.scope, label: alert.label, budget_duration: alert.duration, period: alert.period, threshold: alert.threshold, ledger_severity: alert.severity },
  });
}
