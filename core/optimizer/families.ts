// Model families: which configured models are "the same model, another size" (gpt-4o / gpt-4o-mini, gpt-4.1 /
// gpt-4.1-nano, claude-3-5-sonnet / claude-3-5-haiku, gemini-1.5-pro / gemini-1.5-flash, llama-3.1-70b / -8b).
// A family is the provider plus the model name without its size/tier words, parameter counts and date suffixes.
import type { ModelPricePoint, PriceBook } from '../prices.ts';

const TIER_WORDS = new Set(['mini', 'nano', 'micro', 'small', 'medium', 'large', 'xl', 'lite', 'flash', 'pro', 'plus', 'max', 'ultra', 'turbo', 'haiku', 'sonnet', 'opus', 'instant', 'versatile', 'chat', 'latest', 'preview']);
const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$/;

/** `openai/gpt-4o-mini-2024-07-18` → `openai:gpt-4o`. */
export function familyOf(provider: string, upstreamModel: string): string {
  let name = upstreamModel.toLowerCase();
  name = name.slice(name.lastIndexOf('/') + 1).replace(/:.*$/, '');
  while (DATE_SUFFIX.test(name)) name = name.replace(DATE_SUFFIX, '');
  const parts = name.split('-').filter((p) => p && !TIER_WORDS.has(p) && !/^\d+(\.\d+)?[bm]$/.test(p));
  return `${provider}:${parts.join('-')}`;
}

/** A model group's price point (PriceBook) with its blended price. */
export interface FamilyMember extends Omit<ModelPricePoint, 'source'> {
  /** Blended USD per million tokens at the given input share: what "cheaper" compares. */
  blendedPerMTok: number;
}

/** Per model group: its family (from its first deployment's provider and upstream model). */
export class ModelFamilies {
  private readonly familyByModel = new Map<string, string>();
  private readonly members = new Map<string, string[]>();

  constructor(private readonly prices: PriceBook) {
    for (const model of prices.modelNames()) {
      const d = prices.deploymentOf(model);
      if (!d) continue;
      const family = familyOf(d.provider, d.upstreamModel);
      this.familyByModel.set(model, family);
      this.members.set(family, [...(this.members.get(family) ?? []), model]);
    }
  }

  familyOf(model: string): string | undefined {
    return this.familyByModel.get(model);
  }

  /**
   * Configured models of the same family that are cheaper than `model` for a token mix with `inputShare` of the
   * tokens in the prompt, cheapest first.
   */
  cheaperThan(model: string, inputShare = 0.75): FamilyMember[] {
    const family = this.familyByModel.get(model);
    const base = this.member(model, inputShare);
    if (!family || !base || base.blendedPerMTok === 0) return [];
    return (this.members.get(family) ?? [])
      .filter((m) => m !== model)
      .map((m) => this.member(m, inputShare))
      .filter((m): m is FamilyMember => m !== undefined && m.blendedPerMTok < base.blendedPerMTok)
      .sort((a, b) => a.blendedPerMTok - b.blendedPerMTok);
  }

  /** A model group's prices (undefined when unpriced). */
  pricePoint(model: string): FamilyMember | undefined {
    return this.member(model, 0.75);
  }

  private member(model: string, inputShare: number): FamilyMember | undefined {
    const p = this.prices.pricePoint(model);
    if (!p || p.source === 'unpriced') return undefined;
    return { model, inputPerMTok: p.inputPerMTok, outputPerMTok: p.outputPerMTok, blendedPerMTok: inputShare * p.inputPerMTok + (1 - inputShare) * p.outputPerMTok };
  }
}
