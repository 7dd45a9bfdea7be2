// Everything the gateway needs for money, built once from config: prices, the budget service, the model optimizer
// and (for the suggestions route) the analytics reader. gateway/main.ts puts it into GatewayDeps as `costControl`.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import type { HelixConfig } from '../../lib/config.ts';
import { allFallbacks, PriceBook } from '../../core/prices.ts';
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { createOptimizer, type ModelOptimizer } from '../optimizer/model-optimizer.ts';
import { ModelFamilies } from '../../core/optimizer/families.ts';
import type { BudgetDefaults } from '../../core/budgets/scopes.ts';
import { createBudgets, type BudgetService } from './budget-service.ts';

export interface CostControl {
  prices: PriceBook;
  families: ModelFamilies;
  budgets: BudgetService;
  optimizer: ModelOptimizer;
  /** For GET /v1/helix/optimizer/*: history from ClickHouse. */
  analytics?: AnalyticsReader | undefined;
  /** ClickHouse database of the Helix tables. */
  database: string;
  /** USD cost of a usage on a model group: the cache's `costOf` (saved_cost_usd of hits). */
  costOfModel(model: string, usage: { prompt_tokens?: number; completion_tokens?: number }): number;
}

export function createCostControl(deps: { config: HelixConfig; redis: Redis; analytics?: AnalyticsReader | undefined }): CostControl {
  const { config } = deps;
  const settings = config.helix_settings;
  const prices = new PriceBook(config.model_list, allFallbacks(config.router_settings));
  const budgets = createBudgets({ redis: deps.redis, prices, settings: settings.budgets, defaults: budgetDefaults(config), routerTimeoutSeconds: config.router_settings.timeout });
  return {
    prices,
    families: new ModelFamilies(prices),
    budgets,
    optimizer: createOptimizer({ settings: settings.cost_optimization, prices, budgets }),
    analytics: deps.analytics,
    database: config.env.clickhouseDatabase,
    costOfModel: (model, usage) => prices.costOfModel(model, usage).costUsd,
  };
}

/**
 * LiteLLM's `litellm_settings.max_end_user_budget` (USD, lifetime, as LiteLLM applies it): the budget of every end user
 * without one of its own. The one place the budgets read it.
 */
export function budgetDefaults(config: Pick<HelixConfig, 'litellm_settings'>): BudgetDefaults {
  const max = config.litellm_settings?.max_end_user_budget;
  return typeof max === 'number' && Number.isFinite(max) && max >= 0 ? { endUser: { max_budget: max } } : {};
}
