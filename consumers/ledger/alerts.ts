// Budget alerts (pure) from the crossings the ledger's booking script reports: a booking crossed a threshold when its
// budget counter was below threshold × limit before it and at or above after it. Exactly one booking crosses each
// threshold of a period, so each alert is emitted once; a redelivered booking reports the same crossings (kept with
// its booking mark), and the alert id is derived from budget, period and threshold, so a re-publish deduplicates.
import { derivedId, newEvent } from '../../core/events/envelope.ts';
import type { BudgetAlert } from '../../schemas/events/ledger.ts';
import { usdFromNano } from '../../core/money.ts';
import { periodAt } from '../../core/budgets/periods.ts';
import { scopeKind, type ScopeBudget } from '../../core/budgets/scopes.ts';
import type { Crossing } from '../../core/budgets/store.ts';
import type { Booking } from './entries.ts';

export interface AlertInput {
  booking: Booking;
  crossings: Crossing[];
  budgets: ReadonlyMap<string, ScopeBudget>;
  thresholds: number[];
}

export function alertsOf(input: AlertInput): BudgetAlert[] {
  return input.crossings.flatMap((c) => {
    const cut = c.counter.lastIndexOf('|');
    const budget = input.budgets.get(c.counter.slice(0, cut));
    const threshold = input.thresholds[c.mark];
    return budget && threshold !== undefined ? [alertOf(input.booking, budget, c.counter.slice(cut + 1), threshold, c.after)] : [];
  });
}

function alertOf(b: Booking, budget: ScopeBudget, periodId: string, threshold: number, spentNano: number): BudgetAlert {
  const e = b.entry;
  const id = derivedId('budget_alert', budget.scope, periodId, String(threshold));
  return newEvent<BudgetAlert>('budget_alert', e, {
    scope: budget.scope,
    scope_kind: scopeKind(budget.scope),
    label: budget.label,
    duration: budget.duration,
    period: periodId,
    period_start: new Date(periodAt(budget.spec, b.tsMs).startMs).toISOString(),
    threshold,
    severity: threshold >= 1 ? 'exceeded' : 'warning',
    limit_usd: usdFromNano(budget.limitNano),
    spent_usd: usdFromNano(spentNano),
    trigger_event_id: e.event_id,
  }, { id, ts: e.ts });
}
