// Cost optimization through the real stack.
// 1. Suggestions from history (no pipeline integration needed): key A sends its traffic to gpt-4o, key B to
//    gpt-4o-mini (both mock deployments priced like OpenAI's); GET /v1/helix/optimizer/suggestions (master key only)
//    and `helix optimize` suggest gpt-4o-mini for key A with the exact monthly saving, high confidence (key B's
//    traffic is the evidence), plus the savings report from the ledger.
// 2. Model swaps (NEEDS THE CHAT-PIPELINE INTEGRATION, docs/ledger.md "Integration": costControl.optimizer.choose
//    before routing, `x-helix-model-swapped-from`, ResponseEvent.model_swapped_from): a short prompt is served by
//    gpt-4o-mini, visible in the header and in the ledger with what it saved; `x-helix-model-swap: off` opts out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { repoRoot } from '../../stack/paths.ts';
import { nanoFromDecimal } from '../../lib/money.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';

const MASTER = 'sk-helix-test-master';
const PREFIX = `test-optimizer-${randomBytes(4).toString('hex')}:`;
const YAML = `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o, input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001, mock_latency_ms: 30 }
  - model_name: gpt-4o-mini
    litellm_params: { model: mock/gpt-4o-mini, input_cost_per_token: 0.00000015, output_cost_per_token: 0.0000006, mock_latency_ms: 30 }
helix_settings:
  budgets: { redis_prefix: "${PREFIX}" }
  semantic_cache: { enabled: false }
  cost_optimization:
    model_swapping:
      enabled: true
      rules:
        - { name: short-prompts, from: gpt-4o, to: gpt-4o-mini, when: { max_prompt_tokens: 20 } }
`;
const PROMPT = (i: number) => `Summarize in one line why request number ${i} of this batch matters for the quarterly cost review.`;

interface Suggestion {
  scope: string;
  model: string;
  replacement: string;
  requests: number;
  current_cost_usd: number;
  projected_cost_usd: number;
  estimated_monthly_saving_usd: number;
  confidence: string;
}

void describe('cost optimization end to end', () => {
  let pipeline: Pipeline;
  let redis: Redis;
  const keyA = { key: '', id: '' };
  const keyB = { key: '', id: '' };
  const keyC = { key: '', id: '' };

  const createKey = async (into: { key: string; id: string }) => {
    const res = await fetch(`${pipeline.gatewayUrl}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({}) });
    const body = (await res.json()) as { key: string; key_id: string };
    Object.assign(into, { key: body.key, id: body.key_id });
  };
  const chat = async (key: string, model: string, content: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${pipeline.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { model: string; usage: { prompt_tokens: number; completion_tokens: number } };
    return { swappedFrom: res.headers.get('x-helix-model-swapped-from'), model: body.model, usage: body.usage };
  };

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-optimizer-'));
    writeFileSync(join(dir, 'config.yaml'), YAML);
    pipeline = await startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER });
    redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    await Promise.all([createKey(keyA), createKey(keyB), createKey(keyC)]);
  });
  after(async () => {
    const left = await redis.keys(`${PREFIX}*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
    await pipeline.stop();
  });

  void describe('suggestions from history', () => {
    let keyATokens = { prompt: 0, completion: 0 };

    before(async () => {
      const noSwap = { 'x-helix-model-swap': 'off' };
      for (let i = 0; i < 30; i++) {
        const r = await chat(keyA.key, 'gpt-4o', PROMPT(i), noSwap);
        keyATokens = { prompt: keyATokens.prompt + r.usage.prompt_tokens, completion: keyATokens.completion + r.usage.completion_tokens };
      }
      for (let i = 0; i < 25; i++) await chat(keyB.key, 'gpt-4o-mini', PROMPT(100 + i), noSwap);
      await waitFor('history in ClickHouse', async () => {
        const [row] = await helixSql<{ r: number; l: number }>(
          pipeline.env,
          `SELECT (SELECT count() FROM helix.responses WHERE key_id IN ('${keyA.id}', '${keyB.id}')) AS r, (SELECT count() FROM helix.ledger_entries WHERE key_id IN ('${keyA.id}', '${keyB.id}')) AS l`,
        );
        return Number(row?.r) === 55 && Number(row?.l) === 55;
      }, 90_000, 500);
    });

    const get = (path: string, key?: string) => fetch(`${pipeline.gatewayUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

    void it('GET /v1/helix/optimizer/suggestions suggests the cheaper family member with the monthly saving', async () => {
      const res = await get(`/v1/helix/optimizer/suggestions?key=${keyA.id}`, MASTER);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: Suggestion[]; savings: { spend_usd: number; requests: number }; window_days: number; group_by: string };
      assert.equal(body.group_by, 'key');
      assert.equal(body.window_days, 30);
      const [s] = body.data;
      assert.ok(s, JSON.stringify(body));
      assert.deepEqual([s.scope, s.model, s.replacement, s.requests, s.confidence], [keyA.id, 'gpt-4o', 'gpt-4o-mini', 30, 'high']);
      const current = (keyATokens.prompt * 2500 + keyATokens.completion * 10_000) / 1e9;
      const projected = (keyATokens.prompt * 150 + keyATokens.completion * 600) / 1e9;
      assert.equal(s.current_cost_usd, Math.round(current * 1e6) / 1e6, 'actual cost from the ledger');
      assert.equal(s.projected_cost_usd, Math.round(projected * 1e6) / 1e6);
      // Less than a day of history counts as one day: × 30 for the month.
      assert.equal(s.estimated_monthly_saving_usd, Math.round((current - projected) * 30 * 1e6) / 1e6);
      assert.equal(body.savings.requests, 30);
      assert.equal(Math.round(body.savings.spend_usd * 1e9), keyATokens.prompt * 2500 + keyATokens.completion * 10_000);
    });

    void it('is for admins only', async () => {
      assert.equal((await get('/v1/helix/optimizer/suggestions')).status, 401);
      assert.equal((await get('/v1/helix/optimizer/suggestions', keyA.key)).status, 403);
      assert.equal((await get('/v1/helix/optimizer/suggestions?group_by=nope', MASTER)).status, 400);
    });

    void it('`helix optimize --json` gives the same suggestions', async () => {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'optimize', '--key', keyA.id, '--json'], { cwd: repoRoot, env: { ...process.env, ...pipeline.env } });
        let text = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(err))));
      });
      const cli = JSON.parse(out) as { data: Suggestion[] };
      const api = (await (await get(`/v1/helix/optimizer/suggestions?key=${keyA.id}`, MASTER)).json()) as { data: Suggestion[] };
      assert.deepEqual(cli.data, api.data);
    });
  });

  void describe('model swaps (needs the chat-pipeline integration)', () => {
    void it('serves a short prompt with the cheaper model, says so, and books what it saved', async () => {
      const swapped = await chat(keyC.key, 'gpt-4o', 'Hi there!');
      assert.equal(swapped.swappedFrom, 'gpt-4o');
      assert.equal(swapped.model, 'gpt-4o-mini');
      const optedOut = await chat(keyC.key, 'gpt-4o', 'Hi there!', { 'x-helix-model-swap': 'off' });
      assert.equal(optedOut.swappedFrom, null);
      assert.equal(optedOut.model, 'gpt-4o');
      const long = await chat(keyC.key, 'gpt-4o', PROMPT(1));
      assert.equal(long.swappedFrom, null, 'long prompts stay on gpt-4o');

      await waitFor('ledger entries', async () => Number((await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.ledger_entries WHERE key_id = '${keyC.id}'`))[0]?.n) === 3, 60_000, 500);
      const rows = await helixSql<{ model: string; requested_model: string; saved: string }>(
        pipeline.env,
        `SELECT model, requested_model, toString(swap_saved_usd) AS saved FROM helix.ledger_entries FINAL WHERE key_id = '${keyC.id}' AND requested_model != model`,
      );
      assert.equal(rows.length, 1);
      const u = swapped.usage;
      assert.deepEqual([rows[0]!.model, rows[0]!.requested_model], ['gpt-4o-mini', 'gpt-4o']);
      assert.equal(nanoFromDecimal(rows[0]!.saved), u.prompt_tokens * (2500 - 150) + u.completion_tokens * (10_000 - 600));

      const [resp] = await helixSql<{ m: string }>(pipeline.env, `SELECT model_swapped_from AS m FROM helix.responses WHERE key_id = '${keyC.id}' AND model = 'gpt-4o-mini'`);
      assert.equal(resp?.m, 'gpt-4o', 'the response event names the requested model');

      const report = (await (await fetch(`${pipeline.gatewayUrl}/v1/helix/optimizer/savings?key=${keyC.id}`, { headers: { authorization: `Bearer ${MASTER}` } })).json()) as { swap_savings_usd: number; swapped_requests: number };
      assert.equal(report.swapped_requests, 1);
      assert.equal(Math.round(report.swap_savings_usd * 1e9), nanoFromDecimal(rows[0]!.saved));
    });
  });
});
