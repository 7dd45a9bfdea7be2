// Budgets without overspend, through the real stack: 200 concurrent requests (streaming and not) at a key whose
// budget covers exactly N of them — at most N succeed, the others get 429 budget_exceeded (OpenAI-shaped), and the
// spend the ledger records (Redis counter and ClickHouse) never exceeds the budget. Once with one gateway, once with
// two gateway processes sharing Redis.
// The pipeline side is described in docs/ledger.md, "Integration into the chat pipeline".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePorts } from '../../stack/ports.ts';
import { countTokens } from '../../lib/tokens.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { nanoFromDecimal } from '../../core/money.ts';
import { FIXED_REPLY } from '../../gateway/providers/mock/adapter.ts';
import { BudgetKeys } from '../../core/budgets/store.ts';
import { DAILY, periodAt } from '../../core/budgets/periods.ts';
import { helixSql, spawnHelix, startPipeline, waitFor, type HelixProcess, type Pipeline } from '../helpers/processes.ts';

const MASTER = 'sk-helix-test-master';
const PREFIX = `test-overspend-${randomBytes(4).toString('hex')}:`;
const YAML = `
model_list:
  - model_name: mock/fixed
    litellm_params: { model: mock/fixed, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, mock_latency_ms: 20 }
helix_settings:
  # A generous Redis timeout: 200 concurrent requests on a small shared machine must not fail closed by accident.
  budgets: { redis_prefix: "${PREFIX}", redis_timeout_ms: 2000 }
  # The exact cache stays on (the default path: the hold is reserved alongside its lookup); requests send no-store, so
  # every one misses and must reach the provider (a cache hit would be free). No embeddings: not under test here.
  semantic_cache: { semantic_enabled: false }
`;
const MESSAGES = [{ role: 'user' as const, content: 'ping' }];
const OUT = countTokens(FIXED_REPLY);
// max_tokens = the reply's length, so the reserved worst case equals the actual cost: the budget covers exactly N.
const COST_NANO = countChatPromptTokens(MESSAGES) * 1000 + OUT * 2000;
const N = 20;
const CONCURRENT = 200;

void describe('budgets under concurrency: no overspend', () => {
  let pipeline: Pipeline;
  let second: HelixProcess;
  let secondUrl: string;
  let redis: Redis;
  const keys = new BudgetKeys(PREFIX);

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-overspend-'));
    writeFileSync(join(dir, 'config.yaml'), YAML);
    pipeline = await startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER });
    const [port, queryPort] = await freePorts(2);
    secondUrl = `http://127.0.0.1:${port}`;
    second = spawnHelix('gateway/main.ts', { ...pipeline.env, HELIX_PORT: String(port), HELIX_QUERY_PORT: String(queryPort), HELIX_DATA_DIR: join(dir, 'gw-b') }, 'gateway-b', dir);
    await waitFor('second gateway', async () => (await fetch(`${secondUrl}/health/live`)).ok, 60_000);
    redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    // Warm both gateways up (tokenizer, connections) with the master key (no budget), so neither starts late.
    for (const url of [pipeline.gatewayUrl, secondUrl]) assert.equal((await chat(url, MASTER, false)).status, 200);
  });
  after(async () => {
    const left = await redis.keys(`${PREFIX}*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
    await Promise.all([second.stop(), pipeline.stop()]);
  });

  async function keyWithBudget(): Promise<{ key: string; keyId: string }> {
    const res = await fetch(`${pipeline.gatewayUrl}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ max_budget: (N * COST_NANO) / 1e9, budget_duration: '1d' }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { key: string; key_id: string };
    return { key: body.key, keyId: body.key_id };
  }

  const chat = async (url: string, key: string, stream: boolean) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ model: 'mock/fixed', messages: MESSAGES, max_tokens: OUT, stream }),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), cache: res.headers.get('x-helix-cache'), text, stream, url };
  };

  async function burst(urls: string[], key: string) {
    // Every gateway gets streaming and non-streaming requests.
    const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => chat(urls[i % urls.length]!, key, Math.floor(i / urls.length) % 2 === 1)));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(ok.length + refused.length, CONCURRENT, `statuses: ${[...new Set(results.map((r) => r.status))].join(',')}`);
    // The lookup ran alongside the reservation (a slow one under this load may give up: bypass); none was a hit.
    assert.ok(results.some((r) => r.cache === 'miss') && results.every((r) => r.cache === 'miss' || r.cache === 'bypass'), `x-helix-cache: ${[...new Set(results.map((r) => r.cache))].join(',')}`);
    for (const r of refused) {
      const body = JSON.parse(r.text) as { error: { type: string; code: string; message: string; param: null } };
      assert.equal(body.error.code, 'budget_exceeded');
      assert.equal(body.error.type, 'budget_exceeded');
      assert.match(body.error.message, /^Budget exceeded for key /);
      assert.ok(Number(r.retryAfter) >= 1);
    }
    return { ok, refused };
  }

  /** Waits until the ledger booked everything (nothing held or pending), then returns Redis and ClickHouse spend. */
  async function recordedSpend(keyId: string, expectedEntries: number): Promise<{ redis: number; clickhouse: number }> {
    const scope = `key:${keyId}`;
    await waitFor('the ledger to book every request', async () => Number((await redis.get(keys.held(scope))) ?? 0) === 0 && Number((await redis.get(keys.spend(scope, periodAt(DAILY, Date.now()).id))) ?? 0) > 0, 60_000, 200);
    await waitFor('ledger entries in ClickHouse', async () => Number((await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.ledger_entries WHERE key_id = '${keyId}'`))[0]?.n) === expectedEntries, 60_000, 500);
    const [row] = await helixSql<{ cost: string }>(pipeline.env, `SELECT toString(sum(cost_usd)) AS cost FROM helix.ledger_entries FINAL WHERE key_id = '${keyId}'`);
    return { redis: Number(await redis.get(keys.spend(scope, periodAt(DAILY, Date.now()).id))), clickhouse: nanoFromDecimal(row?.cost ?? '0') };
  }

  void it(`one gateway: at most ${N} of ${CONCURRENT} concurrent requests succeed and spend never exceeds the budget`, async () => {
    const { key, keyId } = await keyWithBudget();
    const { ok } = await burst([pipeline.gatewayUrl], key);
    assert.ok(ok.length <= N, `${ok.length} succeeded`);
    assert.equal(ok.length, N, 'the budget covers exactly N: all of them are served');
    assert.ok(ok.some((r) => r.stream) && ok.some((r) => !r.stream));

    const spend = await recordedSpend(keyId, ok.length);
    assert.equal(spend.redis, ok.length * COST_NANO);
    assert.equal(spend.clickhouse, spend.redis);
    assert.ok(spend.redis <= N * COST_NANO);

    const after = await chat(pipeline.gatewayUrl, key, false);
    assert.equal(after.status, 429, 'the spent budget refuses further requests');
    assert.ok(Number(after.retryAfter) > 1, 'until the daily reset');
  });

  void it(`two gateways sharing Redis: still at most ${N}`, async () => {
    const { key, keyId } = await keyWithBudget();
    const { ok, refused } = await burst([pipeline.gatewayUrl, secondUrl], key);
    assert.ok(ok.length <= N, `${ok.length} succeeded`);
    assert.equal(ok.length, N);
    // Which gateway served the N is a race; that both refused the rest shows one shared budget.
    assert.equal(new Set(refused.map((r) => r.url)).size, 2, 'both gateways enforce the shared budget');
    const spend = await recordedSpend(keyId, ok.length);
    assert.equal(spend.redis, ok.length * COST_NANO);
    assert.equal(spend.clickhouse, spend.redis);
  });
});
