// Budget enforcement in the gateway: a reservation per request. Before the provider call `reserve` holds the
// request's worst-case cost (worst-case.ts) against every budget of the caller — atomically in Redis, so 200
// concurrent requests from any number of gateways can never together pass a limit. After the call the reservation
// is settled or released (reservation.ts). A gateway that dies mid-request leaves a hold that expires by itself.
import { randomUUID } from 'node:crypto';
import type { RedisClient as Redis } from '../../lib/redis.ts';
import { GatewayError } from '../errors.ts';
import { logger } from '../../lib/logger.ts';
import type { PriceBook } from '../../core/prices.ts';
import type { BudgetSettings } from '../../schemas/config/budgets.ts';
import { periodAt } from '../../core/budgets/periods.ts';
import { budgetsFor, type BudgetDefaults, type BudgetHolder, type ScopeBudget } from '../../core/budgets/scopes.ts';
import { BudgetStore, type ReserveResult } from '../../core/budgets/store.ts';
import { budgetStatus, type BudgetStatus } from './budget-status.ts';
import { budgetRefusal } from './refusal.ts';
import { heldReservation, NO_RESERVATION, type HoldContext, type Reservation } from './reservation.ts';
import { withTimeout } from './timeout.ts';
import { worstCaseOf, type WorstCaseRequest } from './worst-case.ts';

export interface BudgetRequest extends WorstCaseRequest {
  /** The caller (a Principal fits): key id/alias/budget, user id, team id; the request's end user, tags and records. */
  holder: BudgetHolder;
}

export interface BudgetService {
  readonly settings: BudgetSettings;
  reserve(req: BudgetRequest): Promise<Reservation>;
  /** Whether any budget may apply to this caller (cheap, synchronous): without one there is nothing to reserve. */
  applies(holder: BudgetHolder): boolean;
  status(holder: BudgetHolder): Promise<BudgetStatus[]>;
  /** Highest used fraction over the caller's budgets (undefined: none). For the optimizer's budget rule. */
  usedFraction(holder: BudgetHolder): Promise<number | undefined>;
}

export interface BudgetDeps {
  redis: Redis;
  prices: PriceBook;
  settings: BudgetSettings;
  /** Budgets without a record of their own (an end user's default). */
  defaults?: BudgetDefaults;
  /** Router timeout (s): the default reservation lifetime is this plus a minute. */
  routerTimeoutSeconds?: number;
}

export function createBudgets(deps: BudgetDeps): BudgetService {
  const { settings, prices } = deps;
  const store = new BudgetStore(deps.redis, settings.redis_prefix);
  const holdTtlMs = (settings.reservation_ttl_seconds ?? (deps.routerTimeoutSeconds ?? 600) + 60) * 1000;
  const hold: HoldContext = { store, prices, pendingTtlMs: settings.pending_ttl_seconds * 1000, redisTimeoutMs: settings.redis_timeout_ms };
  let lastLog = 0;

  const defaults = deps.defaults ?? {};

  function budgetsOf(holder: BudgetHolder): ScopeBudget[] {
    try {
      return budgetsFor(holder, settings, defaults);
    } catch (err) {
      throw new GatewayError('invalid_request', `A budget of this request cannot be enforced (${(err as Error).message}). Ask your administrator to fix it.`);
    }
  }

  function unavailable(err: unknown): Reservation {
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: (err as Error)?.message, failOpen: settings.fail_open }, 'budgets: redis unreachable');
    }
    if (settings.fail_open) return NO_RESERVATION;
    throw new GatewayError('budget_exceeded', 'Budgets cannot be checked right now (budget store unavailable). Please retry shortly.', { retryAfterSeconds: 1 });
  }

  const status = async (holder: BudgetHolder) => budgetStatus(store, budgetsOf(holder), settings.redis_timeout_ms);

  return {
    settings,

    async reserve(req) {
      if (!settings.enabled) return NO_RESERVATION;
      const budgets = budgetsOf(req.holder);
      if (budgets.length === 0) return NO_RESERVATION;
      const { cost: worst, maxOutputTokens } = worstCaseOf(req, prices, settings.default_max_tokens);
      const now = Date.now();
      const scopes = budgets.map((b) => ({ scope: b.scope, periodId: periodAt(b.spec, now).id, limitNano: b.limitNano, amountNano: worst.costNano, duration: b.duration, label: b.label }));
      const holdId = `r-${randomUUID()}`;
      let result: ReserveResult;
      try {
        result = await withTimeout(store.reserve(holdId, holdTtlMs, scopes), settings.redis_timeout_ms, 'budget reservation');
      } catch (err) {
        // A slow Redis may still run the reservation after we stopped waiting: queue its release behind it (same
        // connection, so in order), or the hold would block the budget until it expires.
        store.settle(holdId, '', hold.pendingTtlMs, budgets.map((b) => ({ scope: b.scope, amountNano: 0 }))).catch(() => undefined);
        return unavailable(err);
      }
      if (result.refused >= 0) throw budgetRefusal(budgets, result, worst.costNano);
      return heldReservation(hold, holdId, budgets.map((b) => b.scope), worst.costNano, maxOutputTokens);
    },

    applies(holder) {
      if (!settings.enabled) return false;
      try {
        return budgetsFor(holder, settings, defaults).length > 0;
      } catch {
        return true; // reserve() refuses it with the reason
      }
    },

    status,

    async usedFraction(holder) {
      const statuses = await status(holder);
      return statuses.length ? Math.max(...statuses.map((s) => s.usedFraction)) : undefined;
    },
  };
}
