// Model swapping: families, each rule condition (short prompt, simple request, budget used, time of day), per-request
// and per-key opt-out, allowed-models check, intelligent routing to the cheapest model of the same family.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PriceBook } from '../../core/prices.ts';
import { costOptimizationSettings, type CostOptimizationSettings } from '../../schemas/config/budgets.ts';
import { createOptimizer, swapDisabled, type SwapInput } from '../../gateway/optimizer/model-optimizer.ts';
import { ModelFamilies, familyOf } from '../../core/optimizer/families.ts';
import { inHourWindow, isSimpleRequest } from '../../gateway/optimizer/rules.ts';
import type { BudgetService } from '../../gateway/budgets/budget-service.ts';
import type { ChatRequest } from '../../core/llm.ts';
import type { ModelEntry } from '../../schemas/config.ts';

const MODELS: ModelEntry[] = [
  { model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o' } },
  { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini' } },
  { model_name: 'claude-sonnet', litellm_params: { model: 'anthropic/claude-3-5-sonnet-20241022' } },
  { model_name: 'claude-haiku', litellm_params: { model: 'anthropic/claude-3-5-haiku-latest' } },
  { model_name: 'gpt-4.1-nano', litellm_params: { model: 'openai/gpt-4.1-nano' } },
];
const prices = new PriceBook(MODELS);
const chat = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra });
const LONG = 'Explain the following contract clause by clause. '.repeat(100);

function optimizer(partial: Parameters<typeof costOptimizationSettings>[0], used?: number) {
  const settings: CostOptimizationSettings = costOptimizationSettings(partial);
  const budgets = { usedFraction: async () => used } as unknown as BudgetService;
  return createOptimizer({ settings, prices, budgets });
}

void describe('model families', () => {
  void it('strips sizes, tiers and dates', () => {
    assert.equal(familyOf('openai', 'gpt-4o-mini-2024-07-18'), 'openai:gpt-4o');
    assert.equal(familyOf('openai', 'gpt-4o'), 'openai:gpt-4o');
    assert.equal(familyOf('anthropic', 'claude-3-5-sonnet-20241022'), familyOf('anthropic', 'claude-3-5-haiku-latest'));
    assert.equal(familyOf('gemini', 'gemini-1.5-pro'), familyOf('gemini', 'gemini-1.5-flash'));
    assert.equal(familyOf('groq', 'llama-3.1-70b-versatile'), familyOf('groq', 'llama-3.1-8b-instant'));
    assert.notEqual(familyOf('openai', 'gpt-4.1-nano'), familyOf('openai', 'gpt-4o'));
  });

  void it('lists cheaper configured models of the same family, cheapest first', () => {
    const families = new ModelFamilies(prices);
    assert.deepEqual(families.cheaperThan('gpt-4o').map((m) => m.model), ['gpt-4o-mini']);
    assert.deepEqual(families.cheaperThan('claude-sonnet').map((m) => m.model), ['claude-haiku']);
    assert.deepEqual(families.cheaperThan('gpt-4o-mini'), []);
  });
});

void describe('swap rules', () => {
  void it('swaps short prompts by rule, naming the rule', async () => {
    const o = optimizer({ model_swapping: { enabled: true, rules: [{ name: 'short', from: 'gpt-4o', to: 'gpt-4o-mini', when: { max_prompt_tokens: 50 } }] } });
    assert.deepEqual(await o.choose({ body: chat('hi') }), { from: 'gpt-4o', to: 'gpt-4o-mini', rule: 'short' });
    assert.equal(await o.choose({ body: chat(LONG) }), undefined);
    assert.equal(await o.choose({ body: { ...chat('hi'), model: 'claude-sonnet' } }), undefined, 'other models untouched');
  });

  void it('keeps tools, structured output and images on the requested model when `simple` is required', async () => {
    const o = optimizer({ model_swapping: { enabled: true, rules: [{ from: 'gpt-4o', to: 'gpt-4o-mini', when: { simple: true } }] } });
    assert.equal((await o.choose({ body: chat('hi') }))?.rule, 'rule #1');
    assert.equal(await o.choose({ body: chat('hi', { tools: [{ type: 'function', function: { name: 'f' } }] }) }), undefined);
    assert.equal(await o.choose({ body: chat('hi', { response_format: { type: 'json_schema' } }) }), undefined);
    assert.equal(await o.choose({ body: { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] } }), undefined);
    assert.equal(isSimpleRequest(chat('x'), 4), true);
  });

  void it('swaps once the caller has used more than X % of its budget', async () => {
    const rules = { model_swapping: { enabled: true, rules: [{ from: 'gpt-4o', to: 'gpt-4o-mini', when: { budget_used_above: 0.8 } }] } };
    const caller = { keyId: 'k', userId: '', teamId: '', maxBudget: 10 };
    assert.equal(await optimizer(rules, 0.5).choose({ body: chat(LONG), caller }), undefined);
    assert.equal((await optimizer(rules, 0.85).choose({ body: chat(LONG), caller }))?.to, 'gpt-4o-mini');
    assert.equal(await optimizer(rules, undefined).choose({ body: chat(LONG), caller }), undefined, 'no budget, no swap');
  });

  void it('swaps by time of day (UTC window, across midnight)', async () => {
    const o = optimizer({ model_swapping: { enabled: true, rules: [{ from: 'gpt-4o', to: 'gpt-4o-mini', when: { hours_utc: '22-06' } }] } });
    assert.equal((await o.choose({ body: chat(LONG), now: new Date('2026-11-27T23:30:00Z') }))?.to, 'gpt-4o-mini');
    assert.equal((await o.choose({ body: chat(LONG), now: new Date('2026-11-27T05:59:00Z') }))?.to, 'gpt-4o-mini');
    assert.equal(await o.choose({ body: chat(LONG), now: new Date('2026-11-27T12:00:00Z') }), undefined);
    assert.equal(inHourWindow('9-17', 17), false);
  });

  void it('can be turned off per request (header) and per key (metadata)', async () => {
    const o = optimizer({ model_swapping: { enabled: true, rules: [{ from: 'gpt-4o', to: 'gpt-4o-mini', when: { max_prompt_tokens: 50 } }] } });
    assert.equal(await o.choose({ body: chat('hi'), headers: { 'x-helix-model-swap': 'off' } }), undefined);
    assert.equal(await o.choose({ body: chat('hi'), caller: { keyId: 'k', userId: '', teamId: '', metadata: { model_swapping: false } } }), undefined);
    assert.equal(swapDisabled({ body: chat('hi'), headers: { 'x-helix-model-swap': 'on' } } as SwapInput), false);
  });

  void it('never swaps to a model the key may not use', async () => {
    const o = optimizer({ model_swapping: { enabled: true, rules: [{ from: 'gpt-4o', to: 'gpt-4o-mini', when: { max_prompt_tokens: 50 } }] } });
    assert.equal(await o.choose({ body: chat('hi'), caller: { keyId: 'k', userId: '', teamId: '', models: ['gpt-4o'] } }), undefined);
  });

  void it('intelligent routing sends short simple prompts to the cheapest model of the family', async () => {
    const o = optimizer({ intelligent_routing: { enabled: true } });
    assert.deepEqual(await o.choose({ body: chat('What is 2 + 2?') }), { from: 'gpt-4o', to: 'gpt-4o-mini', rule: 'intelligent_routing' });
    assert.equal((await o.choose({ body: { ...chat('hi'), model: 'claude-sonnet' } }))?.to, 'claude-haiku');
    assert.equal(await o.choose({ body: chat(LONG) }), undefined);
    const pinned = optimizer({ intelligent_routing: { enabled: true, families: { 'gpt-4o': 'gpt-4.1-nano' } } });
    assert.equal((await pinned.choose({ body: chat('hi') }))?.to, 'gpt-4.1-nano');
  });

  void it('does nothing when both are off (the default)', async () => {
    assert.equal(await optimizer({}).choose({ body: chat('hi') }), undefined);
  });
});
