// Starts the worst-case budget hold (prompt tokens + the output the request may produce, on the priciest deployment
// the router may pick). Not awaited here: its Redis round trip runs alongside the cache lookup, and confirm-hold
// waits for it before anything goes upstream.
import { reserveAhead } from '../../budgets/ahead.ts';
import type { Stage } from './stage.ts';

export const holdBudget: Stage = {
  name: 'hold budget',
  run(deps, f) {
    const holder = f.caller.principal;
    if (!deps.costControl || !holder || !deps.costControl.budgets.applies(holder)) return;
    f.pendingHold = reserveAhead(deps.costControl.budgets, {
      holder,
      model: f.trace.model,
      body: f.body as object,
      promptTokens: () => f.promptTokens(),
      outputTokens: f.op.outputTokens(f.body),
    });
  },
};
