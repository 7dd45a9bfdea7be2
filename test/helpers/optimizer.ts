// The cost-optimization e2e tests' stack: a whole Helix with two mock deployments of one family priced like
// OpenAI's gpt-4o / gpt-4o-mini, a swap rule for short gpt-4o prompts, and helpers to create keys and chat.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startPipeline, type Pipeline } from './processes.ts';

export const MASTER = 'sk-helix-test-master';
/** Nano-USD per token (input, output) of the two deployments below. */
export const PRICES = { 'gpt-4o': [2500, 10_000], 'gpt-4o-mini': [150, 600] } as const;

const config = (prefix: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o, input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001, mock_latency_ms: 30 }
  - model_name: gpt-4o-mini
    litellm_params: { model: mock/gpt-4o-mini, input_cost_per_token: 0.00000015, output_cost_per_token: 0.0000006, mock_latency_ms: 30 }
helix_settings:
  budgets: { redis_prefix: "${prefix}" }
  semantic_cache: { enabled: false }
  cost_optimization:
    model_swapping:
      enabled: true
      rules:
        - { name: short-prompts, from: gpt-4o, to: gpt-4o-mini, when: { max_prompt_tokens: 20 } }
`;

/** Longer than the swap rule's 20 tokens: stays on the model asked for. */
export const PROMPT = (i: number) => `Summarize in one line why request number ${i} of this batch matters for the quarterly cost review.`;

export interface TestKey {
  key: string;
  id: string;
}

export interface ChatResult {
  swappedFrom: string | null;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

export interface OptimizerStack {
  pipeline: Pipeline;
  createKey(): Promise<TestKey>;
  chat(key: string, model: string, content: string, headers?: Record<string, string>): Promise<ChatResult>;
  /** GET with the master key. */
  admin(path: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startOptimizerStack(): Promise<OptimizerStack> {
  const prefix = `test-optimizer-${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'helix-optimizer-'));
  writeFileSync(join(dir, 'config.yaml'), config(prefix));
  const pipeline = await startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER });
  const redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
  const url = pipeline.gatewayUrl;

  return {
    pipeline,
    async createKey() {
      const res = await fetch(`${url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({}) });
      const body = (await res.json()) as { key: string; key_id: string };
      return { key: body.key, id: body.key_id };
    },
    async chat(key, model, content, headers = {}) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { model: string; usage: ChatResult['usage'] };
      return { swappedFrom: res.headers.get('x-helix-model-swapped-from'), model: body.model, usage: body.usage };
    },
    admin: (path) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${MASTER}` } }),
    async stop() {
      const left = await redis.keys(`${prefix}*`);
      if (left.length) await redis.del(...left);
      redis.disconnect();
      await pipeline.stop();
    },
  };
}
