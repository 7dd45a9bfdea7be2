// Nothing goes upstream before the budget hold is confirmed (429 budget_exceeded otherwise). A cache hit gives the
// hold back. A client that set no output cap gets the one the hold assumed, so the answer cannot outgrow its hold.
import type { PendingReservation } from '../../budgets/ahead.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Flight } from '../flight.ts';
import type { Stage } from './stage.ts';

export const confirmHold: Stage = {
  name: 'confirm budget hold',
  run(deps, f) {
    const pending = f.pendingHold;
    if (!pending) return undefined;
    f.pendingHold = undefined;
    if (f.outcome) return pending.discard();
    return confirm(deps, f, pending);
  },
};

async function confirm<Req, Res, Chunk>(deps: PipelineDeps, f: Flight<Req, Res, Chunk>, pending: PendingReservation): Promise<void> {
  const reservation = await pending.confirm(f.body as object);
  f.reservation = reservation;
  if (reservation.active && f.op.outputTokens(f.body) === undefined) f.body = f.op.withMaxTokens(f.body, deps.config.helix_settings.budgets.default_max_tokens);
}
