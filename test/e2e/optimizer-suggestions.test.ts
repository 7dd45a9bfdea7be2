// Cheaper-model suggestions through the real stack: key A sends its traffic to gpt-4o, key B to gpt-4o-mini (both
// mock deployments priced like OpenAI's); GET /v1/helix/optimizer/suggestions (master key only) and
// `helix optimize` suggest gpt-4o-mini for key A with the exact monthly saving, high confidence (key B's traffic is
// the evidence), plus the savings report from the ledger. Model swaps: optimizer-swaps.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { repoRoot } from '../../lib/paths.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { PRICES, PROMPT, startOptimizerStack, type OptimizerStack, type TestKey } from '../helpers/optimizer.ts';

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

void describe('cheaper-model suggestions end to end', () => {
  let stack: OptimizerStack;
  let keyA: TestKey;
  let keyB: TestKey;
  let keyATokens = { prompt: 0, completion: 0 };

  before(async () => {
    stack = await startOptimizerStack();
    [keyA, keyB] = await Promise.all([stack.createKey(), stack.createKey()]);
    const noSwap = { 'x-helix-model-swap': 'off' };
    for (let i = 0; i < 30; i++) {
      const r = await stack.chat(keyA.key, 'gpt-4o', PROMPT(i), noSwap);
      keyATokens = { prompt: keyATokens.prompt + r.usage.prompt_tokens, completion: keyATokens.completion + r.usage.completion_tokens };
    }
    for (let i = 0; i < 25; i++) await stack.chat(keyB.key, 'gpt-4o-mini', PROMPT(100 + i), noSwap);
    await waitFor('history in ClickHouse', async () => {
      const [row] = await helixSql<{ r: number; l: number }>(
        stack.pipeline.env,
        `SELECT (SELECT count() FROM helix.responses WHERE key_id IN ('${keyA.id}', '${keyB.id}')) AS r, (SELECT count() FROM helix.ledger_entries WHERE key_id IN ('${keyA.id}', '${keyB.id}')) AS l`,
      );
      return Number(row?.r) === 55 && Number(row?.l) === 55;
    }, 90_000, 500);
  });
  after(() => stack.stop());

  const get = (path: string, key?: string) => fetch(`${stack.pipeline.gatewayUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  void it('GET /v1/helix/optimizer/suggestions suggests the cheaper family member with the monthly saving', async () => {
    const res = await stack.admin(`/v1/helix/optimizer/suggestions?key=${keyA.id}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: Suggestion[]; savings: { spend_usd: number; requests: number }; window_days: number; group_by: string };
    assert.equal(body.group_by, 'key');
    assert.equal(body.window_days, 30);
    const [s] = body.data;
    assert.ok(s, JSON.stringify(body));
    assert.deepEqual([s.scope, s.model, s.replacement, s.requests, s.confidence], [keyA.id, 'gpt-4o', 'gpt-4o-mini', 30, 'high']);
    const nano = (model: keyof typeof PRICES) => keyATokens.prompt * PRICES[model][0] + keyATokens.completion * PRICES[model][1];
    const current = nano('gpt-4o') / 1e9;
    const projected = nano('gpt-4o-mini') / 1e9;
    assert.equal(s.current_cost_usd, Math.round(current * 1e6) / 1e6, 'actual cost from the ledger');
    assert.equal(s.projected_cost_usd, Math.round(projected * 1e6) / 1e6);
    // Less than a day of history counts as one day: × 30 for the month.
    assert.equal(s.estimated_monthly_saving_usd, Math.round((current - projected) * 30 * 1e6) / 1e6);
    assert.equal(body.savings.requests, 30);
    assert.equal(Math.round(body.savings.spend_usd * 1e9), nano('gpt-4o'));
  });

  void it('is for admins only', async () => {
    assert.equal((await get('/v1/helix/optimizer/suggestions')).status, 401);
    assert.equal((await get('/v1/helix/optimizer/suggestions', keyA.key)).status, 403);
    assert.equal((await stack.admin('/v1/helix/optimizer/suggestions?group_by=nope')).status, 400);
  });

  void it('`helix optimize --json` gives the same suggestions', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'optimize', '--key', keyA.id, '--json'], { cwd: repoRoot, env: { ...process.env, ...stack.pipeline.env } });
      let text = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(err))));
    });
    const cli = JSON.parse(out) as { data: Suggestion[] };
    const api = (await (await stack.admin(`/v1/helix/optimizer/suggestions?key=${keyA.id}`)).json()) as { data: Suggestion[] };
    assert.deepEqual(cli.data, api.data);
  });
});
