// Request cost: config overrides (exact, for the mock provider), the price database (flat, cached-input, tiered and
// time-of-day prices), worst case over a model group and its fallbacks, stream = non-stream for the same usage, and
// the lookup speed the request path needs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PriceBook, costOf, priceParamsOf, worstCaseCost } from '../../core/prices.ts';
import { formatUsd, nanoPerToken, toNano, usdFromNano } from '../../core/money.ts';
import { mockProvider } from '../../gateway/providers/mock/adapter.ts';
import type { UpstreamCall } from '../../gateway/providers/types.ts';
import type { Deployment } from '../../core/deployments.ts';
import type { ChatCompletionChunk, ChatRequest, Usage } from '../../core/llm.ts';
import type { ModelEntry } from '../../schemas/config.ts';

const MOCK_PRICES = { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, cache_read_input_token_cost: 0.0000005 };

void describe('money', () => {
  void it('converts USD to integer nano-USD and back exactly', () => {
    assert.equal(toNano(0.0025), 2_500_000);
    assert.equal(toNano(1.1), 1_100_000_000);
    assert.equal(usdFromNano(123_456), 0.000123456);
    assert.equal(nanoPerToken(2.5e-6), 2500);
    assert.equal(nanoPerToken(0.15 / 1e6), 150);
    assert.equal(formatUsd(0.000123), '$0.000123');
    assert.equal(formatUsd(12.5), '$12.50');
  });
});

void describe('costOf', () => {
  void it('prices a deployment with config overrides exactly (the mock provider)', () => {
    const c = costOf({ provider: 'mock', model: 'echo', deploymentParams: MOCK_PRICES, usage: { prompt_tokens: 1000, completion_tokens: 250 } });
    assert.equal(c.source, 'config');
    assert.equal(c.inputNano, 1_000_000);
    assert.equal(c.outputNano, 500_000);
    assert.equal(c.costUsd, 0.0015);
    assert.equal(c.inputCostUsd + c.outputCostUsd, c.costUsd);
  });

  void it('bills cached prompt tokens at the cached-input price', () => {
    const c = costOf({ provider: 'mock', model: 'echo', deploymentParams: MOCK_PRICES, usage: { prompt_tokens: 1000, completion_tokens: 0, prompt_tokens_details: { cached_tokens: 400 } } });
    assert.equal(c.inputNano, 600 * 1000 + 400 * 500);
    const viaField = costOf({ provider: 'mock', model: 'echo', deploymentParams: MOCK_PRICES, usage: { prompt_tokens: 1000, completion_tokens: 0, cached_tokens: 400 } });
    assert.equal(viaField.costNano, c.costNano);
  });

  void it('uses the price database for known models (openai gpt-4o: $2.50 / $10 per Mtok, cache reads $1.25)', () => {
    const c = costOf({ provider: 'openai', model: 'gpt-4o', usage: { prompt_tokens: 1000, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 200 } } });
    assert.equal(c.source, 'genai-prices');
    assert.equal(c.inputNano, 800 * 2500 + 200 * 1250);
    assert.equal(c.outputNano, 100 * 10_000);
    const azure = costOf({ provider: 'azure', model: 'my-deployment', deploymentParams: { base_model: 'gpt-4o' }, usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    assert.equal(azure.costNano, 1000 * 2500 + 100 * 10_000, 'azure priced as its base_model');
  });

  void it('mixes a partial override with database prices', () => {
    const c = costOf({ provider: 'openai', model: 'gpt-4o-mini', deploymentParams: { output_cost_per_token: 0.000001 }, usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    assert.equal(c.source, 'config+genai-prices');
    assert.equal(c.inputNano, 1000 * 150);
    assert.equal(c.outputNano, 100 * 1000);
  });

  void it('prices tiered models per call (gemini-1.5-pro above 128k tokens)', () => {
    const small = costOf({ provider: 'gemini', model: 'gemini-1.5-pro', usage: { prompt_tokens: 1000, completion_tokens: 0 } });
    const large = costOf({ provider: 'gemini', model: 'gemini-1.5-pro', usage: { prompt_tokens: 200_000, completion_tokens: 0 } });
    assert.equal(small.inputNano, 1000 * 1250);
    assert.equal(large.inputNano, 200_000 * 2500);
  });

  void it('prices time-of-day models by when the request ran (deepseek off-peak)', () => {
    const usage = { prompt_tokens: 1_000_000, completion_tokens: 0 };
    const peak = costOf({ provider: 'deepseek', model: 'deepseek-chat', usage, at: new Date('2026-01-05T03:00:00Z') });
    const offPeak = costOf({ provider: 'deepseek', model: 'deepseek-chat', usage, at: new Date('2026-01-05T20:00:00Z') });
    assert.ok(peak.costNano > 0 && offPeak.costNano > 0);
    assert.notEqual(peak.costNano, offPeak.costNano);
  });

  void it('counts unknown models as free, saying so', () => {
    const c = costOf({ provider: 'ollama', model: 'my-local-llama', usage: { prompt_tokens: 1000, completion_tokens: 10 } });
    assert.equal(c.costNano, 0);
    assert.equal(c.source, 'unpriced');
  });

  void it('worst case = whole prompt uncached + max output', () => {
    const w = worstCaseCost({ provider: 'mock', model: 'echo', deploymentParams: MOCK_PRICES, promptTokens: 100, maxOutputTokens: 50 });
    assert.equal(w.costNano, 100 * 1000 + 50 * 2000);
  });
});

void describe('PriceBook', () => {
  const list: ModelEntry[] = [
    { model_name: 'cheap', litellm_params: { model: 'mock/echo', ...MOCK_PRICES } },
    { model_name: 'pricey', litellm_params: { model: 'mock/echo', input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 } },
    { model_name: 'mixed', litellm_params: { model: 'mock/echo', ...MOCK_PRICES } },
    { model_name: 'mixed', litellm_params: { model: 'mock/fixed', input_cost_per_token: 0.000002, output_cost_per_token: 0.000004 } },
    { model_name: 'info-priced', litellm_params: { model: 'hosted_vllm/llama' }, model_info: { input_cost_per_token: 0.0000003, output_cost_per_token: 0.0000006 } },
  ];
  const book = new PriceBook(list, [{ cheap: ['pricey'] }]);

  void it('prices the deployment that served a request by its id, falling back to its model group', () => {
    const usage = { prompt_tokens: 10, completion_tokens: 10 };
    assert.equal(book.costOfDeployment({ deployment: 'mixed#3', model: 'mixed', provider: 'mock' }, usage).costNano, 10 * 2000 + 10 * 4000);
    assert.equal(book.costOfDeployment({ deployment: 'renamed#9', model: 'mixed', provider: 'mock' }, usage).costNano, 10 * 1000 + 10 * 2000);
  });

  void it('reads prices from model_info too (LiteLLM accepts both)', () => {
    assert.deepEqual(priceParamsOf(list[4]!), { input_cost_per_token: 0.0000003, output_cost_per_token: 0.0000006 });
    assert.equal(book.costOfModel('info-priced', { prompt_tokens: 1000, completion_tokens: 0 }).costNano, 300_000);
  });

  void it('takes the worst case over every deployment of the group and of its fallbacks', () => {
    assert.equal(book.worstCase('mixed', 10, 10).costNano, 10 * 2000 + 10 * 4000);
    assert.equal(book.worstCase('cheap', 10, 10).costNano, 10 * 10_000 + 10 * 30_000, 'cheap falls back to pricey');
  });

  void it('gives a model group price point per million tokens', () => {
    assert.deepEqual(book.pricePoint('cheap'), { model: 'cheap', inputPerMTok: 1, outputPerMTok: 2, source: 'config' });
  });
});

void describe('streaming and non-streaming cost the same', () => {
  const deployment: Deployment = { id: 'd#0', modelName: 'mock/echo', provider: 'mock', upstreamModel: 'echo', params: { model: 'mock/echo', ...MOCK_PRICES } };
  const call: UpstreamCall = { deployment, signal: new AbortController().signal, requestId: 'r', timeoutMs: 10_000 };
  const req: ChatRequest = { model: 'mock/echo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me about the ledger, in exactly these words.' }] };

  void it('for the same request through the mock provider', async () => {
    const whole = await mockProvider.chat(req, call);
    let streamed: Usage | undefined;
    for await (const chunk of mockProvider.chatStream({ ...req, stream: true }, call) as AsyncIterable<ChatCompletionChunk>) if (chunk.usage) streamed = chunk.usage;
    assert.ok(whole.usage && streamed);
    const a = costOf({ provider: 'mock', model: 'echo', deploymentParams: deployment.params, usage: whole.usage });
    const b = costOf({ provider: 'mock', model: 'echo', deploymentParams: deployment.params, usage: streamed });
    assert.ok(a.costNano > 0);
    assert.deepEqual(a, b);
  });
});
