// Reserving ahead: the budget hold of a request is started before the step that precedes the provider call (the
// cache lookup) and confirmed right before the call, so its Redis round trip is shared with that step's instead of
// added after it. `oneWrite` puts the commands issued together into one write on the connection: Redis reads,
// runs and answers them together, so the pair costs one round trip (and one wake-up on each side), not two.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import type { BudgetRequest, BudgetService } from './budget-service.ts';
import type { Reservation } from './reservation.ts';

/** Commands issued between `hold` and `send` leave in one write on the connection (see below). */
export interface OneWrite {
  hold(): void;
  send(): void;
}

/**
 * Corks the connection on `hold` and uncorks it on `send`: the commands issued in between (an ioredis command is
 * written when it is called, on a ready connection) leave together. A connection that is not ready queues or fails
 * commands as usual.
 */
export function oneWrite(redis: Redis | undefined): OneWrite {
  // A Redis Cluster client has a connection per node and no stream of its own: nothing to cork.
  const stream = redis?.status === 'ready' && 'stream' in redis ? redis.stream : undefined;
  let corked = false;
  return {
    hold() {
      if (stream && !corked) {
        stream.cork();
        corked = true;
      }
    },
    send() {
      if (corked) {
        corked = false;
        stream!.uncork();
      }
    },
  };
}

/** Whether two bodies reserve the same worst case (the fields `reserve` reads; the messages by identity). */
export function sameWorstCase(a: BudgetRequest['body'], b: BudgetRequest['body']): boolean {
  return a === b || (a.messages === b.messages && a.max_tokens === b.max_tokens && a.max_completion_tokens === b.max_completion_tokens && a.n === b.n);
}

/** A reservation started before the request is known to reach the provider (see reserveAhead). */
export interface PendingReservation {
  /**
   * Before the provider call, with the body about to be sent: the hold, or the reservation's error (429
   * budget_exceeded). A body whose worst case may differ from the one reserved for is reserved anew.
   */
  confirm(body: BudgetRequest['body']): Promise<Reservation>;
  /** The provider will not be called (a cache hit, an error): the hold is released once it exists; a refusal is dropped. */
  discard(): void;
}

/**
 * Starts `reserve` now, to be confirmed before the provider call: its Redis round trip then runs alongside the
 * other work before that call (the cache lookup, on the same connection) instead of after it. The guarantee is the
 * same as awaiting `reserve` right before the call — nothing is sent upstream before the hold is confirmed — so it
 * never lets spend pass a limit; a request that turns out not to need the hold gives it back.
 */
export function reserveAhead(budgets: BudgetService, req: BudgetRequest): PendingReservation {
  const pending = budgets.reserve(req);
  pending.catch(() => undefined); // confirm rethrows the refusal; until then it must not count as unhandled
  // After the answer is written (setImmediate): the release is not on the request's path either.
  const discard = () => void pending.then((r) => void setImmediate(() => void r.release()), () => undefined);
  return {
    async confirm(body) {
      if (sameWorstCase(body, req.body)) return pending;
      // The first hold's release is sent before the new reservation (same connection, so normally applied first): the
      // request does not count twice against its budget. A count made for the old body does not apply to the new one.
      await pending.then((r) => void r.release(), () => undefined);
      const { promptTokens: _counted, ...rest } = req;
      return budgets.reserve({ ...rest, body });
    },
    discard,
  };
}
