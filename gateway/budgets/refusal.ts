// The 429 budget_exceeded answer of a refused reservation: which budget, how much is spent and held, when it resets,
// and when to retry (in a moment when only requests in flight fill it, else when its period resets).
import { GatewayError } from '../errors.ts';
import { formatUsd, usdFromNano } from '../../core/money.ts';
import { periodAt, specName } from '../../core/budgets/periods.ts';
import type { ScopeBudget } from '../../core/budgets/scopes.ts';
import type { ReserveResult } from '../../core/budgets/store.ts';

/** `r.refused` indexes the refusing budget in `budgets`; `amountNano` is what the request asked to hold. */
export function budgetRefusal(budgets: readonly ScopeBudget[], r: ReserveResult, amountNano: number): GatewayError {
  const i = r.refused;
  const b = budgets[i]!;
  const spend = r.spendNano[i] ?? 0;
  const held = r.heldNano[i] ?? 0;
  const period = periodAt(b.spec, r.nowMs);
  const resets = Number.isFinite(period.endMs) ? `, resets ${new Date(period.endMs).toISOString()}` : '';
  const duration = b.duration ? `per ${specName(b.spec) === 'mo1' ? 'month' : b.duration}` : 'lifetime';
  // Refused only because of requests in flight: retry in a moment. Otherwise: when the period resets.
  const inFlightOnly = spend + amountNano <= b.limitNano;
  const retryAfterSeconds = inFlightOnly ? 1 : Number.isFinite(period.endMs) ? Math.max(1, Math.ceil((period.endMs - r.nowMs) / 1000)) : undefined;
  const message =
    `Budget exceeded for ${b.label}: ${formatUsd(usdFromNano(spend))} spent` +
    (held > 0 ? ` and ${formatUsd(usdFromNano(held))} reserved by requests in flight` : '') +
    ` of ${formatUsd(usdFromNano(b.limitNano))} (${duration}${resets}); this request may cost up to ${formatUsd(usdFromNano(amountNano))}.`;
  return new GatewayError('budget_exceeded', message, {
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    headers: { 'x-helix-budget-scope': b.scope.split(':')[0] ?? b.scope },
  });
}
