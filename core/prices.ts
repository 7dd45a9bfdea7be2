// What a request costs. Prices come from a maintained database (@pydantic/genai-prices: ~1,500 models of ~30
// providers, with tiered and time-of-day prices) and per-deployment overrides in config (`input_cost_per_token`,
// `output_cost_per_token`, `cache_read_input_token_cost` in litellm_params or model_info, LiteLLM's names) for
// custom and self-hosted models — and for the mock provider, so tests are exact.
//
// Speed: the database lookup (calcPrice) is too slow to repeat on every request (bench/micro.ts), so each
// (provider, model) is resolved once into flat nano-USD-per-token rates and cached; pricing is then two
// multiplications. Only tiered prices (by prompt size) and time-of-day prices are computed per call.
//
// Costs are integers of nano-USD (core/money.ts), rounded once per component, so a stream and a non-stream with the
// same usage cost exactly the same, and sums never drift.
import { calcPrice, type ModelPrice, type PriceCalculation } from '@pydantic/genai-prices';
import type { LitellmParams, ModelEntry, RouterSettings } from '../schemas/config.ts';
import { deploymentsFrom } from './deployments.ts';
import { nanoPerToken, usdFromNano } from './money.ts';
import { logger } from '../lib/logger.ts';

/** OpenAI's usage shape (a response's `usage`) or the token fields of a response event. */
export interface UsageLike {
  prompt_tokens?: number | undefined;
  completion_tokens?: number | undefined;
  /** Part of prompt_tokens read from the provider's prompt cache (billed at the cached-input price). */
  cached_tokens?: number | undefined;
  prompt_tokens_details?: { cached_tokens?: number | undefined } | null | undefined;
}

/** Where a price came from: the deployment's config, the price database, both (partial override), or nowhere. */
export type PriceSource = 'config' | 'genai-prices' | 'config+genai-prices' | 'unpriced';

export interface Cost {
  costUsd: number;
  inputCostUsd: number;
  outputCostUsd: number;
  /** The same amounts in nano-USD (integers): what counters and the ledger add up. */
  costNano: number;
  inputNano: number;
  outputNano: number;
  source: PriceSource;
}

/** Price fields a deployment may set (LiteLLM's names), in litellm_params or model_info. */
export type DeploymentPriceParams = Pick<LitellmParams, 'input_cost_per_token' | 'output_cost_per_token' | 'cache_read_input_token_cost'> & {
  /** Azure deployments have custom names; LiteLLM's model_info.base_model names the model they price as. */
  base_model?: string;
};

export interface CostInput {
  /** Helix provider prefix: openai, azure, anthropic, mock, groq, together_ai, … */
  provider: string;
  /** The upstream model name (e.g. gpt-4o-mini). */
  model: string;
  deploymentParams?: DeploymentPriceParams | undefined;
  usage: UsageLike;
  /** When the request ran (time-of-day and dated prices); default now. */
  at?: Date;
}

export interface WorstCaseInput extends Omit<CostInput, 'usage'> {
  promptTokens: number;
  maxOutputTokens: number;
}

/** Helix's provider prefixes whose price-database id differs. */
const PROVIDER_IDS: Record<string, string> = {
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  gemini: 'google',
  vertex_ai: 'google',
  bedrock: 'aws',
  xai: 'x-ai',
};

/** A database price resolved for one (provider, model): flat rates, or "ask calcPrice each time". */
type DbPrice =
  | { kind: 'flat'; input: number; output: number; cached: number }
  | { kind: 'dynamic'; providerId: string; model: string }
  | { kind: 'none' };

const DB_TTL_MS = 3_600_000; // dated price changes are picked up within the hour
const dbCache = new Map<string, { price: DbPrice; at: number }>();
const warned = new Set<string>();

function tryCalc(usage: Record<string, number>, model: string, providerId: string, at?: Date): PriceCalculation | null {
  try {
    return calcPrice(usage, model, at ? { providerId, timestamp: at } : { providerId });
  } catch {
    return null; // unknown provider id, inconsistent usage: treated as "no price"
  }
}

const flatRate = (price: ModelPrice, key: string): number | undefined => {
  const v = price[key];
  return typeof v === 'number' ? v : undefined;
};

function resolveDb(provider: string, model: string): DbPrice {
  const key = `${provider}\u0000${model}`;
  const hit = dbCache.get(key);
  if (hit && Date.now() - hit.at < DB_TTL_MS) return hit.price;
  const providerId = PROVIDER_IDS[provider] ?? provider;
  const probe = tryCalc({ input_tokens: 1, output_tokens: 1 }, model, providerId);
  let price: DbPrice = { kind: 'none' };
  if (probe) {
    const input = flatRate(probe.model_price, 'input_mtok');
    const output = flatRate(probe.model_price, 'output_mtok');
    const dynamic = Array.isArray(probe.model.prices) || (probe.model_price.input_mtok !== undefined && input === undefined) || (probe.model_price.output_mtok !== undefined && output === undefined);
    if (dynamic) price = { kind: 'dynamic', providerId, model };
    else {
      // $/Mtok → nano-USD per token is ×1000.
      const perToken = (mtok: number | undefined) => nanoPerToken((mtok ?? 0) / 1e6);
      price = { kind: 'flat', input: perToken(input), output: perToken(output), cached: perToken(flatRate(probe.model_price, 'cache_read_mtok') ?? input) };
    }
  }
  dbCache.set(key, { price, at: Date.now() });
  return price;
}

interface Tokens {
  prompt: number;
  completion: number;
  cached: number;
}

function tokensOf(usage: UsageLike): Tokens {
  const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
  const prompt = n(usage.prompt_tokens);
  const cached = Math.min(prompt, n(usage.cached_tokens ?? usage.prompt_tokens_details?.cached_tokens ?? undefined));
  return { prompt, completion: n(usage.completion_tokens), cached };
}

function breakdown(inputNano: number, outputNano: number, source: PriceSource): Cost {
  const costNano = inputNano + outputNano;
  return { costUsd: usdFromNano(costNano), inputCostUsd: usdFromNano(inputNano), outputCostUsd: usdFromNano(outputNano), costNano, inputNano, outputNano, source };
}

/** A zero cost (cache hits, unpriced models). */
export const zeroCost = (source: PriceSource = 'unpriced'): Cost => breakdown(0, 0, source);

const overrideRate = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? nanoPerToken(v) : undefined);

/** The cost of a usage on one deployment: config overrides first, the price database for the rest. */
export function costOf(input: CostInput): Cost {
  const t = tokensOf(input.usage);
  const params = input.deploymentParams ?? {};
  const oIn = overrideRate(params.input_cost_per_token);
  const oOut = overrideRate(params.output_cost_per_token);
  const oCached = overrideRate(params.cache_read_input_token_cost) ?? oIn;
  const fullyOverridden = oIn !== undefined && oOut !== undefined;
  const db = fullyOverridden ? ({ kind: 'none' } as const) : resolveDb(input.provider, params.base_model ?? input.model);
  const anyOverride = oIn !== undefined || oOut !== undefined;
  const source: PriceSource = fullyOverridden ? 'config' : db.kind === 'none' ? (anyOverride ? 'config' : 'unpriced') : anyOverride ? 'config+genai-prices' : 'genai-prices';
  if (source === 'unpriced') warnUnpriced(input.provider, input.model);

  let dbIn = 0;
  let dbOut = 0;
  if (db.kind === 'flat') {
    dbIn = (t.prompt - t.cached) * db.input + t.cached * db.cached;
    dbOut = t.completion * db.output;
  } else if (db.kind === 'dynamic') {
    const usage: Record<string, number> = { input_tokens: t.prompt, output_tokens: t.completion };
    if (t.cached) usage.cache_read_tokens = t.cached;
    const calc = tryCalc(usage, db.model, db.providerId, input.at);
    dbIn = (calc?.input_price ?? 0) * 1e9;
    dbOut = (calc?.output_price ?? 0) * 1e9;
  }
  const inputNano = Math.round(oIn !== undefined ? (t.prompt - t.cached) * oIn + t.cached * (oCached ?? oIn) : dbIn);
  const outputNano = Math.round(oOut !== undefined ? t.completion * oOut : dbOut);
  return breakdown(inputNano, outputNano, source);
}

/** The most a request can cost: its whole prompt uncached plus `maxOutputTokens` of output. */
export function worstCaseCost(input: WorstCaseInput): Cost {
  return costOf({ ...input, usage: { prompt_tokens: input.promptTokens, completion_tokens: input.maxOutputTokens } });
}

function warnUnpriced(provider: string, model: string): void {
  const key = `${provider}/${model}`;
  if (warned.has(key) || provider === 'mock') return;
  warned.add(key);
  logger.warn({ provider, model }, 'no price for this model: costs count as 0 (set input_cost_per_token / output_cost_per_token on the deployment)');
}

/** Price fields of a model_list entry: litellm_params first, then model_info (LiteLLM accepts both). */
export function priceParamsOf(entry: Pick<ModelEntry, 'litellm_params' | 'model_info'>): DeploymentPriceParams {
  const info = entry.model_info ?? {};
  const num = (key: string): number | undefined => {
    const v = (entry.litellm_params as Record<string, unknown>)[key] ?? info[key];
    return typeof v === 'number' ? v : undefined;
  };
  const out: DeploymentPriceParams = {};
  const inputPrice = num('input_cost_per_token');
  const outputPrice = num('output_cost_per_token');
  const cachedPrice = num('cache_read_input_token_cost');
  if (inputPrice !== undefined) out.input_cost_per_token = inputPrice;
  if (outputPrice !== undefined) out.output_cost_per_token = outputPrice;
  if (cachedPrice !== undefined) out.cache_read_input_token_cost = cachedPrice;
  if (typeof info.base_model === 'string') out.base_model = info.base_model;
  return out;
}

interface PricedDeployment {
  id: string;
  modelName: string;
  provider: string;
  upstreamModel: string;
  params: DeploymentPriceParams;
}

/** Typical price of a model group for comparisons (optimizer): USD per million tokens. */
export interface ModelPricePoint {
  model: string;
  inputPerMTok: number;
  outputPerMTok: number;
  source: PriceSource;
}

/**
 * Prices of the configured model_list: cost of a usage on a deployment, worst case of a request on a model group
 * (its deployments and fallbacks — the router may serve any of them), and a model group's typical price.
 */
export class PriceBook {
  private readonly byId = new Map<string, PricedDeployment>();
  private readonly byModel = new Map<string, PricedDeployment[]>();
  private readonly fallbacks = new Map<string, string[]>();

  constructor(modelList: ModelEntry[], fallbacks: RouterSettings['fallbacks'] = []) {
    deploymentsFrom(modelList).forEach((d, i) => {
      const entry = modelList[i]!;
      const priced: PricedDeployment = { id: d.id, modelName: d.modelName, provider: d.provider, upstreamModel: d.upstreamModel, params: priceParamsOf(entry) };
      this.byId.set(d.id, priced);
      this.byModel.set(d.modelName, [...(this.byModel.get(d.modelName) ?? []), priced]);
    });
    for (const entry of fallbacks) for (const [from, to] of Object.entries(entry)) this.fallbacks.set(from, [...new Set([...(this.fallbacks.get(from) ?? []), ...to])]);
  }

  modelNames(): string[] {
    return [...this.byModel.keys()];
  }

  hasModel(model: string): boolean {
    return this.byModel.has(model);
  }

  /** Provider and upstream model of a model group's first deployment. */
  deploymentOf(model: string): { provider: string; upstreamModel: string } | undefined {
    const d = this.byModel.get(model)?.[0];
    return d ? { provider: d.provider, upstreamModel: d.upstreamModel } : undefined;
  }

  /**
   * Cost of a usage on the deployment that served it. A deployment id no longer in config (renamed since) is
   * priced as its model group; an unknown group by the price database under the event's provider and model.
   */
  costOfDeployment(ref: { deployment: string; model: string; provider: string }, usage: UsageLike, at?: Date): Cost {
    const d = this.byId.get(ref.deployment) ?? this.byModel.get(ref.model)?.[0];
    if (d) return costOf({ provider: d.provider, model: d.upstreamModel, deploymentParams: d.params, usage, ...(at ? { at } : {}) });
    return costOf({ provider: ref.provider, model: ref.model, usage, ...(at ? { at } : {}) });
  }

  /** Cost of a usage on a model group (its first deployment): cache savings, swap savings. */
  costOfModel(model: string, usage: UsageLike, at?: Date): Cost {
    const d = this.byModel.get(model)?.[0];
    if (!d) return breakdown(0, 0, 'unpriced');
    return costOf({ provider: d.provider, model: d.upstreamModel, deploymentParams: d.params, usage, ...(at ? { at } : {}) });
  }

  /** Highest cost the request can reach on any deployment of the group or of its fallbacks. */
  worstCase(model: string, promptTokens: number, maxOutputTokens: number): Cost {
    let worst: Cost = breakdown(0, 0, 'unpriced');
    for (const group of [model, ...(this.fallbacks.get(model) ?? [])]) {
      for (const d of this.byModel.get(group) ?? []) {
        const c = worstCaseCost({ provider: d.provider, model: d.upstreamModel, deploymentParams: d.params, promptTokens, maxOutputTokens });
        if (c.costNano > worst.costNano || worst.source === 'unpriced') worst = c;
      }
    }
    return worst;
  }

  /** A model group's price per million tokens (first deployment): what the optimizer compares. */
  pricePoint(model: string): ModelPricePoint | undefined {
    if (!this.byModel.has(model)) return undefined;
    // Priced at 1k tokens (the base tier of tiered prices), scaled to a million.
    const c = this.costOfModel(model, { prompt_tokens: 1000, completion_tokens: 1000 });
    return { model, inputPerMTok: c.inputNano / 1e6, outputPerMTok: c.outputNano / 1e6, source: c.source };
  }
}

/** Every fallback list the router may follow (generic and by reason): a worst case must cover all of them. */
export function allFallbacks(router: Pick<RouterSettings, 'fallbacks' | 'context_window_fallbacks' | 'content_policy_fallbacks'>): RouterSettings['fallbacks'] {
  return [...router.fallbacks, ...(router.context_window_fallbacks ?? []), ...(router.content_policy_fallbacks ?? [])];
}
