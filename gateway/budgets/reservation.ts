// One request's budget hold once reserved: `settle` swaps it for the actual cost (pending until the ledger books
// it, see core/budgets/store.ts), `release` drops it when the call failed without a response event. Both run at
// most once and never throw: a hold that cannot be dropped expires by itself.
import { logger } from '../../lib/logger.ts';
import { usdFromNano } from '../../core/money.ts';
import type { PriceBook } from '../../core/prices.ts';
import { chargeOf, type ChargeableEvent } from '../../core/budgets/charge.ts';
import type { BudgetStore } from '../../core/budgets/store.ts';
import { withTimeout } from './timeout.ts';

export interface Reservation {
  /** False when no budget applies (or Redis is down with fail_open): settle/release do nothing. */
  readonly active: boolean;
  readonly worstCaseUsd: number;
  /** Output tokens the worst case assumed: set body.max_tokens to this when the client gave none to make it a hard bound. */
  readonly maxOutputTokens: number;
  /** After the response (or error) event is built; its Redis work starts after the response is written. Never throws; idempotent. */
  settle(event: ChargeableEvent): Promise<void>;
  /** When the call failed and no event with usage follows. Never throws; idempotent. */
  release(): Promise<void>;
}

/** No budget applies: nothing was held, nothing to settle. */
export const NO_RESERVATION: Reservation = Object.freeze({ active: false, worstCaseUsd: 0, maxOutputTokens: 0, settle: async () => undefined, release: async () => undefined });

export interface HoldContext {
  store: BudgetStore;
  prices: PriceBook;
  pendingTtlMs: number;
  redisTimeoutMs: number;
}

/** The reservation of hold `holdId` on `scopes`, reserved for `worstNano`. */
export function heldReservation(hold: HoldContext, holdId: string, scopes: readonly string[], worstNano: number, maxOutputTokens: number): Reservation {
  let done = false;
  const finish = async (what: 'settle' | 'release', event?: ChargeableEvent) => {
    if (done) return;
    done = true;
    try {
      // Nothing waits for a settle (the response goes out without it): it runs once the response is written, so
      // pricing the event and the script's write are not on the request's path.
      if (event) await new Promise<void>((resolve) => setImmediate(resolve));
      const amountNano = event ? chargeOf(hold.prices, event).cost.costNano : 0;
      await withTimeout(
        hold.store.settle(holdId, event?.event_id ?? '', hold.pendingTtlMs, scopes.map((scope) => ({ scope, amountNano }))),
        hold.redisTimeoutMs,
        `budget ${what}`,
      );
    } catch (err) {
      // The hold stays until it expires (over-counting, never under-counting); the ledger books the spend anyway.
      logger.debug({ err: (err as Error).message }, `budgets: ${what} failed`);
    }
  };
  return {
    active: true,
    worstCaseUsd: usdFromNano(worstNano),
    maxOutputTokens,
    settle: (event) => finish('settle', event),
    release: () => finish('release'),
  };
}
