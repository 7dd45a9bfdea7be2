// Model swapping: before routing, the optimizer may serve a request with a cheaper model than the one asked for —
// by configured rules (`cost_optimization.model_swapping.rules`: short/simple prompts, a key past X % of its
// budget, a time-of-day window) or by intelligent routing (a short, simple prompt → the cheapest configured model
// of the same family). Every swap is reported (the caller sets `x-helix-model-swapped-from` and the response
// event's `model_swapped_from`) and can be turned off per request (`x-helix-model-swap: off`) or per key
// (metadata `{"model_swapping": false}`).
import type { IncomingHttpHeaders } from 'node:http';
import type { CostOptimizationSettings } from '../../schemas/config/budgets.ts';
import type { PriceBook } from '../../core/prices.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import type { ChatRequest } from '../../core/llm.ts';
import type { BudgetService } from '../budgets/budget-service.ts';
import type { BudgetHolder } from '../../core/budgets/scopes.ts';
import { ModelFamilies } from '../../core/optimizer/families.ts';
import { conditionsHold, isSimpleRequest, type RequestFacts } from './rules.ts';

export const SWAP_HEADER = 'x-helix-model-swap';
export const SWAPPED_FROM_HEADER = 'x-helix-model-swapped-from';

/** The caller (a Principal fits): allowed models, metadata, budgets. */
export type SwapCaller = BudgetHolder & { models?: string[]; metadata?: Record<string, unknown> };

export interface SwapInput {
  body: ChatRequest;
  caller?: SwapCaller | undefined;
  headers?: IncomingHttpHeaders;
  /** Prompt tokens when already counted. */
  promptTokens?: number;
  now?: Date;
}

export interface SwapDecision {
  from: string;
  to: string;
  /** The rule's name (or `rule #<n>`), or `intelligent_routing`. */
  rule: string;
}

export interface ModelOptimizer {
  /** Whether `choose` could swap this model at all (cheap, synchronous: the pipeline skips the call otherwise). */
  mayChoose(model: string): boolean;
  /** The model to serve instead of body.model, or undefined to keep it. Never throws. */
  choose(input: SwapInput): Promise<SwapDecision | undefined>;
}

export interface OptimizerDeps {
  settings: CostOptimizationSettings;
  prices: PriceBook;
  budgets?: BudgetService | undefined;
}

const OFF = new Set(['off', 'false', '0', 'no', 'none']);

/** Whether the request or its key turned swapping off. */
export function swapDisabled(input: SwapInput): boolean {
  const header = input.headers?.[SWAP_HEADER];
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  if (value !== undefined && OFF.has(value)) return true;
  const meta = input.caller?.metadata;
  return meta?.model_swapping === false || meta?.cost_optimization === false;
}

export function createOptimizer(deps: OptimizerDeps): ModelOptimizer {
  const { settings, prices } = deps;
  const swapping = settings.model_swapping;
  const routing = settings.intelligent_routing;
  const families = new ModelFamilies(prices);
  const rulesFrom = new Set(swapping.rules.map((r) => r.from));

  const allowed = (model: string, input: SwapInput) => {
    const models = input.caller?.models ?? [];
    return prices.hasModel(model) && (models.length === 0 || models.includes(model));
  };

  function familyTarget(model: string, input: SwapInput): string | undefined {
    const pinned = routing.families[model];
    if (pinned) return allowed(pinned, input) ? pinned : undefined;
    return families.cheaperThan(model).find((m) => allowed(m.model, input))?.model;
  }

  async function choose(input: SwapInput): Promise<SwapDecision | undefined> {
    const from = input.body.model;
    const byRules = swapping.enabled && rulesFrom.has(from);
    if ((!byRules && !routing.enabled) || swapDisabled(input)) return undefined;
    let tokens = input.promptTokens;
    const now = input.now ?? new Date();
    const facts: RequestFacts = {
      body: input.body,
      promptTokens: () => (tokens ??= countChatPromptTokens(input.body.messages)),
      budgetUsed: async () => (deps.budgets && input.caller ? deps.budgets.usedFraction(input.caller).catch(() => undefined) : undefined),
      hourUtc: now.getUTCHours(),
    };
    if (byRules) {
      for (const [i, rule] of swapping.rules.entries()) {
        if (rule.from !== from || rule.to === from || !allowed(rule.to, input)) continue;
        if (await conditionsHold(rule.when, facts)) return { from, to: rule.to, rule: rule.name ?? `rule #${i + 1}` };
      }
    }
    if (routing.enabled && isSimpleRequest(input.body, routing.max_messages) && facts.promptTokens() <= routing.max_prompt_tokens) {
      const to = familyTarget(from, input);
      if (to && to !== from) return { from, to, rule: 'intelligent_routing' };
    }
    return undefined;
  }

  return {
    mayChoose: (model) => routing.enabled || (swapping.enabled && rulesFrom.has(model)),
    async choose(input) {
      try {
        return await choose(input);
      } catch {
        return undefined; // an optimizer problem never fails a request: it is served as asked
      }
    },
  };
}
