// The spend ledger through the real stack (gateway + consumers processes, Kafka, Redis, ClickHouse): streaming and
// non-streaming requests of three keys are charged exactly (mock prices from config), a cache hit costs 0 and
// records what it saved, everything lands in ledger_entries and in the Redis counters, `helix usage` reports them from ClickHouse, and `helix replay ledger` rebuilds counters and
// table from the ledger topic into empty stores with totals equal to the nano (hence to the cent).
// Needs no chat-pipeline integration: the ledger is fed by the response events the gateway already emits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { parseConfig, runtimeEnv, type HelixConfig } from '../../lib/config.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../clickhouse/store.ts';
import { replayLedger } from '../../cli/replay-ledger.ts';
import { repoRoot } from '../../lib/paths.ts';
import { nanoFromDecimal } from '../../core/money.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';

const MASTER = 'sk-helix-test-master';
const PREFIX = `test-ledger-e2e-${randomBytes(4).toString('hex')}:`;
// nano-USD per token (input, output): exact integers, so expected costs are exact.
const PRICES = { 'mock/fixed': [1100, 3200], 'mock/echo': [500, 1500] } as const;
const YAML = `
model_list:
  - model_name: mock/fixed
    litellm_params: { model: mock/fixed, input_cost_per_token: 0.0000011, output_cost_per_token: 0.0000032 }
  - model_name: mock/echo
    litellm_params: { model: mock/echo, input_cost_per_token: 0.0000005, output_cost_per_token: 0.0000015 }
helix_settings:
  budgets: { redis_prefix: "${PREFIX}" }
  # Exact hits only: which prompts count as "the same" semantically is the cache's business, not the ledger's.
  semantic_cache: { semantic_enabled: false }
`;

async function spendCounters(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const keys = await redis.keys(`${prefix}{*}:spend:*`);
  const values = keys.length ? await redis.mget(...keys) : [];
  return new Map(keys.map((k, i) => [k.slice(prefix.length), values[i] ?? '']));
}

void describe('spend ledger end to end', () => {
  let pipeline: Pipeline;
  let redis: Redis;
  let config: HelixConfig;
  const keys: Array<{ key: string; key_id: string; team: string }> = [];
  const expected = new Map<string, bigint>();
  let requests = 0;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-ledger-'));
    writeFileSync(join(dir, 'config.yaml'), YAML);
    pipeline = await startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER });
    config = { ...parseConfig(parse(YAML)), env: runtimeEnv({ ...process.env, ...pipeline.env }) };
    redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    for (const team of ['red', 'red', 'blue']) {
      const res = await fetch(`${pipeline.gatewayUrl}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({ team_id: `${team}-${PREFIX}` }) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { key: string; key_id: string };
      keys.push({ key: body.key, key_id: body.key_id, team });
    }
  });
  after(async () => {
    const left = await redis.keys(`${PREFIX}*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
    await pipeline.stop();
  });

  async function chat(key: string, model: keyof typeof PRICES, content: string, stream: boolean, expectCache = 'miss'): Promise<bigint> {
    const res = await fetch(`${pipeline.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-helix-cache'), expectCache);
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    if (stream) {
      for (const line of (await res.text()).split('\n')) {
        if (!line.startsWith('data: {')) continue;
        const chunk = JSON.parse(line.slice(6)) as { usage?: typeof usage };
        if (chunk.usage) usage = chunk.usage;
      }
    } else usage = ((await res.json()) as { usage: typeof usage }).usage;
    assert.ok(usage);
    const [inp, out] = PRICES[model];
    return BigInt(usage.prompt_tokens * inp + usage.completion_tokens * out);
  }

  void it('charges every request exactly, streaming or not, into ClickHouse and the Redis counters', async () => {
    for (const [i, k] of keys.entries()) {
      let total = 0n;
      for (let j = 0; j < 4; j++) {
        total += await chat(k.key, 'mock/fixed', `question ${i}-${j}`, j % 2 === 1);
        total += await chat(k.key, 'mock/echo', `please repeat this sentence number ${i}-${j} back to me`, j % 2 === 0);
        requests += 2;
      }
      expected.set(k.key_id, total);
    }
    // A cache hit: the same request again costs nothing and records what it saved.
    const saved = await chat(keys[0]!.key, 'mock/fixed', 'question 0-0', false, 'exact');
    requests += 1;
    const ids = keys.map((k) => `'${k.key_id}'`).join(',');
    await waitFor('ledger entries in ClickHouse', async () => {
      const [row] = await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.ledger_entries WHERE key_id IN (${ids})`);
      return Number(row?.n) === requests;
    }, 90_000, 500);

    const rows = await helixSql<{ key_id: string; cost: string; n: number; sources: string[] }>(
      pipeline.env,
      `SELECT key_id, toString(sum(cost_usd)) AS cost, count() AS n, groupUniqArray(price_source) AS sources FROM helix.ledger_entries FINAL WHERE key_id IN (${ids}) GROUP BY key_id`,
    );
    assert.equal(rows.length, 3);
    for (const r of rows) {
      assert.equal(BigInt(nanoFromDecimal(r.cost)), expected.get(r.key_id), `ledger total of ${r.key_id}`);
      assert.deepEqual(r.sources, ['config']);
    }
    const [hit] = await helixSql<{ cost: string; saved: string; source: string }>(
      pipeline.env,
      `SELECT toString(cost_usd) AS cost, toString(cache_saved_usd) AS saved, source FROM helix.ledger_entries WHERE key_id = '${keys[0]!.key_id}' AND source = 'cache'`,
    );
    assert.deepEqual([hit?.cost, BigInt(nanoFromDecimal(hit?.saved ?? '0'))], ['0', saved]);
    const counters = await spendCounters(redis, PREFIX);
    for (const k of keys) {
      const monthly = [...counters].find(([name]) => name.startsWith(`{key:${k.key_id}}:spend:mo1@`));
      assert.equal(BigInt(monthly?.[1] ?? '0'), expected.get(k.key_id), `monthly counter of ${k.key_id}`);
    }
    const team = [...counters].find(([name]) => name.startsWith(`{team:red-${PREFIX}}:spend:d1@`));
    assert.equal(BigInt(team?.[1] ?? '0'), expected.get(keys[0]!.key_id)! + expected.get(keys[1]!.key_id)!, 'team counter = its keys');
  });

  void it('`helix usage --key/--team` reports the same totals from ClickHouse', async () => {
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'usage', ...args, '--json'], { cwd: repoRoot, env: { ...process.env, ...pipeline.env } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`helix usage failed: ${err}`))));
      });
    const today = new Date().toISOString().slice(0, 10);
    const byKey = JSON.parse(await run(['--key', keys[2]!.key_id, '--from', today, '--to', today])) as { rows: Array<{ model: string; requests: number }>; total: { cost_usd: string; requests: number } };
    assert.equal(BigInt(nanoFromDecimal(byKey.total.cost_usd)), expected.get(keys[2]!.key_id));
    assert.equal(Number(byKey.total.requests), 8);
    assert.deepEqual(byKey.rows.map((r) => r.model).sort(), ['mock/echo', 'mock/fixed']);
    const byTeam = JSON.parse(await run(['--team', `red-${PREFIX}`, '--by', 'key'])) as { rows: unknown[]; total: { cost_usd: string } };
    assert.equal(BigInt(nanoFromDecimal(byTeam.total.cost_usd)), expected.get(keys[0]!.key_id)! + expected.get(keys[1]!.key_id)!);
    assert.equal(byTeam.rows.length, 2);
  });

  void it('`helix replay ledger` rebuilds counters and table from the topic into empty stores, equal to the nano', async () => {
    const replayPrefix = `${PREFIX}replay:`;
    let store: AnalyticsStore | undefined;
    try {
      store = await openAnalyticsStore({ clickhouseUrl: process.env.CLICKHOUSE_URL, clickhouseDatabase: `helix_replay_${process.pid}`, dataDir: mkdtempSync(join(tmpdir(), 'helix-replay-ch-')) });
      const result = await replayLedger(config, { redisPrefix: replayPrefix, store, timeoutMs: 60_000 });
      assert.equal(result.entries, result.messages);
      assert.ok(result.entries >= requests);

      const original = await spendCounters(redis, PREFIX);
      for (const name of [...original.keys()]) if (name.startsWith('replay:')) original.delete(name);
      const rebuilt = await spendCounters(redis, replayPrefix);
      assert.ok(original.size > 0);
      assert.deepEqual(new Map([...rebuilt].sort()), new Map([...original].sort()), 'every counter equal');

      const totals = `SELECT key_id, model, count() AS n, toString(sum(cost_usd)) AS cost, sum(prompt_tokens) AS p, sum(completion_tokens) AS c FROM {db}.ledger_entries FINAL GROUP BY key_id, model ORDER BY key_id, model`;
      const before = await helixSql(pipeline.env, totals.replace('{db}', 'helix'));
      const rs = await store.client.query({ query: totals.replace('{db}', store.database), format: 'JSONEachRow' });
      const replayed = await rs.json<Record<string, unknown>>();
      assert.deepEqual(replayed.map((r) => ({ ...r, n: Number(r.n), p: Number(r.p), c: Number(r.c) })), before.map((r) => ({ ...r, n: Number(r.n), p: Number(r.p), c: Number(r.c) })));
    } finally {
      if (store && !store.embedded) await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
      await store?.close();
    }
  });
});
