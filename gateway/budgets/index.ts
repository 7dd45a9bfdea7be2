// Budget enforcement in the gateway: a reservation per request. Before the provider call `reserve` holds the
// request's worst-case cost (prompt tokens counted with the tokenizer + max_tokens × output price, on the most
// expensive deployment the router may pick) against every budget of the caller — atomically in Redis, so 200
// concurrent requests from any number of gateways can never together pass a limit. After the call `settle` swaps the
// hold for the actual cost (pending until the ledger books it, see store.ts); `release` drops it when the call failed
// without a response event. A gateway that dies mid-request leaves a hold that expires by itself.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.ts';
import { logger } from '../../lib/logger.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { formatUsd, usdFromNano } from '../../core/money.ts';
import type { PriceBook } from '../../core/prices.ts';
import type { BudgetSettings } from '../../schemas/config/budgets.ts';
import type { ChatMessage } from '../../core/llm.ts';
import { chargeOf, type ChargeableEvent } from '../../core/budgets/charge.ts';
import { periodAt, specName } from '../../core/budgets/periods.ts';
import { budgetsFor, type BudgetHolder, type ScopeBudget } from '../../core/budgets/scopes.ts';
import { BudgetStore, type ReserveResult } from '../../core/budgets/store.ts';

export interface BudgetRequest {
  /** The caller (a Principal fits): key id/alias/budget, user id, team id. */
  holder: BudgetHolder;
  /** Model group about to be called (after any swap). */
  model: string;
  /** The request body: its prompt is counted when promptTokens is not given, its output cap read from it. */
  body: { messages?: unknown; max_tokens?: unknown; max_completion_tokens?: unknown; n?: unknown };
  /** Prompt tokens, or how to count them once a budget applies (saves a second tokenizer pass). */
  promptTokens?: number | (() => number);
  /** Output tokens the call may produce when the caller knows better than the body (embeddings: 0). */
  outputTokens?: number | undefined;
}

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
  /** Router timeout (s): the default reservation lifetime is this plus a minute. */
  routerTimeoutSeconds?: number;
}

const NOOP: Reservation = Object.freeze({ active: false, worstCaseUsd: 0, maxOutputTokens: 0, settle: async () => undefined, release: async () => undefined });

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Output tokens a request may produce: max_completion_tokens / max_tokens × n; undefined when not set. */
export function requestedOutputTokens(body: BudgetRequest['body']): number | undefined {
  const raw = body.max_completion_tokens ?? body.max_tokens;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) return undefined;
  const n = typeof body.n === 'number' && body.n >= 1 ? body.n : 1;
  return Math.ceil(raw) * n;
}

export function createBudgets(deps: BudgetDeps): BudgetService {
  const { settings, prices } = deps;
  const store = new BudgetStore(deps.redis, settings.redis_prefix);
  const holdTtlMs = (settings.reservation_ttl_seconds ?? (deps.routerTimeoutSeconds ?? 600) + 60) * 1000;
  const pendingTtlMs = settings.pending_ttl_seconds * 1000;
  let lastLog = 0;

  function budgetsOf(holder: BudgetHolder): ScopeBudget[] {
    try {
      return budgetsFor(holder, settings);
    } catch (err) {
      throw new GatewayError('invalid_request', `This key's budget cannot be enforced: ${(err as Error).message}. Ask the key's administrator to fix it.`);
    }
  }

  function unavailable(err: unknown): Reservation {
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: (err as Error)?.message, failOpen: settings.fail_open }, 'budgets: redis unreachable');
    }
    if (settings.fail_open) return NOOP;
    throw new GatewayError('budget_exceeded', 'Budgets cannot be checked right now (budget store unavailable). Please retry shortly.', { retryAfterSeconds: 1 });
  }

  function reservation(holdId: string, budgets: ScopeBudget[], worstNano: number, maxOutputTokens: number): Reservation {
    let done = false;
    const finish = async (what: 'settle' | 'release', event?: ChargeableEvent) => {
      if (done) return;
      done = true;
      try {
        // Nothing waits for a settle (the response goes out without it): it runs once the response is written, so
        // pricing the event and the script's write are not on the request's path.
        if (event) await new Promise<void>((resolve) => setImmediate(resolve));
        const amountNano = event ? chargeOf(prices, event).cost.costNano : 0;
        await withTimeout(
          store.settle(holdId, event?.event_id ?? '', pendingTtlMs, budgets.map((b) => ({ scope: b.scope, amountNano }))),
          settings.redis_timeout_ms,
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

  async function status(holder: BudgetHolder): Promise<BudgetStatus[]> {
    const budgets = budgetsOf(holder);
    if (budgets.length === 0) return [];
    const now = Date.now();
    const periods = budgets.map((b) => periodAt(b.spec, now));
    const { spend, held } = await withTimeout(
      store.read(budgets.map((b, i) => ({ scope: b.scope, periodId: periods[i]!.id })), budgets.map((b) => b.scope)),
      settings.redis_timeout_ms,
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

  return {
    settings,

    async reserve(req) {
      if (!settings.enabled) return NOOP;
      const budgets = budgetsOf(req.holder);
      if (budgets.length === 0) return NOOP;
      const counted = typeof req.promptTokens === 'function' ? req.promptTokens() : req.promptTokens;
      const promptTokens = counted ?? (Array.isArray(req.body.messages) ? countChatPromptTokens(req.body.messages as ChatMessage[]) : 0);
      const explicit = req.outputTokens ?? requestedOutputTokens(req.body);
      const n = typeof req.body.n === 'number' && req.body.n >= 1 ? req.body.n : 1;
      const maxOutputTokens = explicit ?? settings.default_max_tokens * n;
      const worst = prices.worstCase(req.model, promptTokens, maxOutputTokens);
      const now = Date.now();
      const scopes = budgets.map((b) => ({ scope: b.scope, periodId: periodAt(b.spec, now).id, limitNano: b.limitNano, amountNano: worst.costNano, duration: b.duration, label: b.label }));
      const holdId = `r-${randomUUID()}`;
      let result: ReserveResult;
      try {
        result = await withTimeout(store.reserve(holdId, holdTtlMs, scopes), settings.redis_timeout_ms, 'budget reservation');
      } catch (err) {
        // A slow Redis may still run the reservation after we stopped waiting: queue its release behind it (same
        // connection, so in order), or the hold would block the budget until it expires.
        store.settle(holdId, '', pendingTtlMs, budgets.map((b) => ({ scope: b.scope, amountNano: 0 }))).catch(() => undefined);
        return unavailable(err);
      }
      if (result.refused >= 0) throw refusal(budgets[result.refused]!, result, result.refused, worst.costNano);
      return reservation(holdId, budgets, worst.costNano, maxOutputTokens);
    },

    applies(holder) {
      if (!settings.enabled) return false;
      try {
        return budgetsFor(holder, settings).length > 0;
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

function refusal(b: ScopeBudget, r: ReserveResult, i: number, amountNano: number): GatewayError {
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
