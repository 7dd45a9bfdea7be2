// Starts the worst-case budget hold (prompt tokens + the output the request may produce, on the priciest deployment
// the router may pick). Not awaited here: its Redis round trip runs alongside the cache lookup, and confirm-hold
// waits for it before anything goes upstream.
import { reserveAhead } from '../../budgets/ahead.ts';
import { ANONYMOUS } from '../../auth/principal.ts';
import type { BudgetHolder } from '../../../core/budgets/scopes.ts';
import type { Flight } from '../flight.ts';
import type { Stage } from './stage.ts';

/** Who pays: the caller's key, user and team, the request's end user and tags, and their records. */
function holderOf<Req, Res, Chunk>(f: Flight<Req, Res, Chunk>): BudgetHolder {
  const p = f.caller.principal ?? ANONYMOUS;
  const t = f.trace;
  return { keyId: p.keyId, alias: p.alias, userId: p.userId, teamId: p.teamId, maxBudget: p.maxBudget, budgetDuration: p.budgetDuration, endUser: t.endUser, tags: t.tags, entities: t.entities };
}

export const holdBudget: Stage = {
  name: 'hold budget',
  run(deps, f) {
    if (!deps.costControl) return;
    const holder = holderOf(f);
    if (!deps.costControl.budgets.applies(holder)) return;
    f.pendingHold = reserveAhead(deps.costControl.budgets, {
      holder,
      model: f.trace.model,
      body: f.body as object,
      promptTokens: () => f.promptTokens(),
      outputTokens: f.op.outputTokens(f.body),
    });
  },
};
