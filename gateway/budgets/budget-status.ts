// Where a caller stands against each of its budgets: spent, held by requests in flight, the used fraction and when
// the period resets (one Redis round trip).
import { usdFromNano } from '../../core/money.ts';
import { periodAt } from '../../core/budgets/periods.ts';
import type { ScopeBudget } from '../../core/budgets/scopes.ts';
import type { BudgetStore } from '../../core/budgets/store.ts';
import { withTimeout } from './timeout.ts';

export interface BudgetStatus {
  scope: string;
  label: string;
  duration: string;
  limitUsd: number;
  spentUsd: number;
  /** Reserved by requests in flight plus settled costs the ledger has not booked yet. */
  heldUsd: number;
  usedFraction: number;
  resetsAt: string | null;
}

export async function budgetStatus(store: BudgetStore, budgets: readonly ScopeBudget[], redisTimeoutMs: number): Promise<BudgetStatus[]> {
  if (budgets.length === 0) return [];
  const now = Date.now();
  const periods = budgets.map((b) => periodAt(b.spec, now));
  const { spend, held } = await withTimeout(
    store.read(budgets.map((b, i) => ({ scope: b.scope, periodId: periods[i]!.id })), budgets.map((b) => b.scope)),
    redisTimeoutMs,
    'budget status',
  );
  return budgets.map((b, i) => {
    const used = (spend[i] ?? 0) + (held[i] ?? 0);
    const end = periods[i]!.endMs;
    return {
      scope: b.scope,
      label: b.label,
      duration: b.duration,
      limitUsd: usdFromNano(b.limitNano),
      spentUsd: usdFromNano(spend[i] ?? 0),
      heldUsd: usdFromNano(held[i] ?? 0),
      usedFraction: b.limitNano > 0 ? used / b.limitNano : used > 0 ? Number.POSITIVE_INFINITY : 1,
      resetsAt: Number.isFinite(end) ? new Date(end).toISOString() : null,
    };
  });
}
