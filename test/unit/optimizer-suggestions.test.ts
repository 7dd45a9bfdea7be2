// Cheaper-model suggestions (pure part): saving from the same token volume at the cheaper prices, scaled to a month;
// the ledger's actual cost preferred over the estimate; confidence from the replacement's own history.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PriceBook } from '../../core/prices.ts';
import { ModelFamilies } from '../../core/optimizer/families.ts';
import { MIN_EVIDENCE, suggest, type ModelUsage } from '../../core/optimizer/suggestions.ts';
import { sqlString } from '../../clickhouse/sql-literal.ts';
import type { ModelEntry } from '../../schemas/config.ts';

const MODELS: ModelEntry[] = [
  { model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o' } },
  { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini' } },
  { model_name: 'local', litellm_params: { model: 'hosted_vllm/llama-3' } },
];
const families = new ModelFamilies(new PriceBook(MODELS));
const NOW = Date.parse('2026-11-27T00:00:00Z');
const DAY = 86_400_000;
const q = { groupBy: 'key' as const, days: 30 };

function usage(partial: Partial<ModelUsage>): ModelUsage {
  return {
    scope: 'key_a', model: 'gpt-4o', requests: 1000, upstreamErrors: 10, avgPromptTokens: 1000, p95PromptTokens: 1800, avgCompletionTokens: 200,
    p95CompletionTokens: 400, p50LatencyMs: 800, promptTokens: 1_000_000, completionTokens: 200_000, firstMs: NOW - 10 * DAY, costUsd: 0, ...partial,
  };
}

const evidence = (partial: Partial<ModelUsage> = {}) => new Map([['gpt-4o-mini', usage({ scope: '', model: 'gpt-4o-mini', requests: 100, upstreamErrors: 1, p50LatencyMs: 400, p95PromptTokens: 1700, ...partial })]]);

void describe('optimizer suggestions', () => {
  void it('estimates the monthly saving of the cheaper family member from the same token volume', () => {
    const [s] = suggest(q, [usage({})], evidence(), families, NOW);
    assert.ok(s);
    assert.equal(s.replacement, 'gpt-4o-mini');
    // 1M prompt + 200k completion tokens: $2.50 + $2.00 on gpt-4o, $0.15 + $0.12 on gpt-4o-mini, over 10 days.
    assert.equal(s.current_cost_usd, 4.5);
    assert.equal(s.projected_cost_usd, 0.27);
    assert.equal(s.estimated_monthly_saving_usd, 12.69);
    assert.equal(s.confidence, 'high');
    assert.equal(s.checks.length, 3);
    assert.equal(s.error_rate, 0.01);
  });

  void it("scales the ledger's actual cost when there is one", () => {
    const [s] = suggest(q, [usage({ costUsd: 9 })], evidence(), families, NOW);
    assert.equal(s!.current_cost_usd, 9);
    assert.equal(s!.projected_cost_usd, 0.54);
    assert.equal(s!.estimated_monthly_saving_usd, 25.38);
  });

  void it('lowers confidence when the replacement errs more, is slower or has only seen small prompts', () => {
    const [medium] = suggest(q, [usage({})], evidence({ upstreamErrors: 20 }), families, NOW);
    assert.equal(medium!.confidence, 'medium');
    assert.match(medium!.checks.join('\n'), /error rate 20\.0 % vs 1\.0 %: higher/);
    const [small] = suggest(q, [usage({})], evidence({ p95PromptTokens: 100 }), families, NOW);
    assert.equal(small!.confidence, 'medium');
    const [low] = suggest(q, [usage({})], evidence({ requests: MIN_EVIDENCE - 1 }), families, NOW);
    assert.equal(low!.confidence, 'low');
    assert.equal(suggest(q, [usage({})], new Map(), families, NOW)[0]!.confidence, 'low');
  });

  void it('suggests nothing for the cheapest member, unpriced models or idle rows; sorts by saving', () => {
    assert.deepEqual(suggest(q, [usage({ model: 'gpt-4o-mini' }), usage({ model: 'local' }), usage({ promptTokens: 0, completionTokens: 0 })], evidence(), families, NOW), []);
    const both = suggest(q, [usage({ scope: 'small', promptTokens: 1000, completionTokens: 100 }), usage({ scope: 'big' })], evidence(), families, NOW);
    assert.deepEqual(both.map((s) => s.scope), ['big', 'small']);
  });

  void it('quotes SQL strings', () => {
    assert.equal(sqlString("it's \\ fine"), "'it\\'s \\\\ fine'");
  });
});
