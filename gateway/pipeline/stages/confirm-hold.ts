// Nothing goes upstream before the budget hold is confirmed (429 budget_exceeded otherwise). A cache hit gives the
// hold back. A client that set no output cap gets the one the hold assumed, so the answer cannot outgrow its hold.
import type { Stage } from './stage.ts';

export const confirmHold: Stage = {
  name: 'confirm budget hold',
  async run(deps, f) {
    const pending = f.pendingHold;
    if (!pending) return;
    f.pendingHold = undefined;
    if (f.outcome) return pending.discard();
    const reservation = await pending.confirm(f.body as object);
    f.reservation = reservation;
    if (reservation.active && f.op.outputTokens(f.body) === undefined) f.body = f.op.withMaxTokens(f.body, deps.config.helix_settings.budgets.default_max_tokens);
  },
};
