// Helix on a 3-master Redis Cluster (Redis Stack on every node, stack/redis.ts): two gateways and the consumers with
// HELIX_REDIS_URL listing the masters. Rate limits and budgets hold across both gateways while a caller's counters sit
// in several slots (the scripts run once per slot, a refusal gives the other slots' charges back); keys are created,
// rotated and blocked with every gateway seeing it at once; exact and semantic cache hits (the index sharded over
// the masters); teams' CRUD. At the end every master holds keys: the data really is spread.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePorts } from '../../stack/ports.ts';
import { startRedisCluster, type RedisClusterInstance } from '../../stack/redis.ts';
import { callOnKeyNode, createRedis, masters, slotOf, type RedisClient } from '../../lib/redis.ts';
import { countTokens } from '../../lib/tokens.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { nanoFromDecimal } from '../../core/money.ts';
import { FIXED_REPLY } from '../../gateway/providers/mock/adapter.ts';
import { BudgetKeys } from '../../core/budgets/store.ts';
import { DAILY, periodAt } from '../../core/budgets/periods.ts';
import { CLUSTER_INDEX_SHARDS, parseSearchReply, semanticShards, shardFor, tagFilter } from '../../core/cache/semantic-index.ts';
import { cacheSettings } from '../../schemas/config/cache.ts';
import { helixSql, spawnHelix, startPipeline, waitFor, type HelixProcess, type Pipeline } from '../helpers/processes.ts';

const MASTER = 'sk-helix-cluster-master';
const run = randomBytes(3).toString('hex');
const CONFIG = `
model_list:
  - model_name: mock/fixed
    litellm_params: { model: mock/fixed, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, mock_latency_ms: 20 }
  - model_name: mock/echo
    litellm_params: { model: mock/echo }
helix_settings:
  # Generous timeouts: a loaded 2-core machine must not fail open (limits, budgets) or bypass (cache) by accident.
  limits: { redis_timeout_ms: 5000 }
  budgets: { redis_timeout_ms: 5000 }
  semantic_cache: { embed_timeout_ms: 15000, redis_timeout_ms: 5000 }
`;
const MESSAGES = [{ role: 'user' as const, content: 'ping' }];
const OUT = countTokens(FIXED_REPLY);
// max_tokens = the reply's length: the reserved worst case equals the actual cost, so a budget covers exactly N.
const COST_NANO = countChatPromptTokens(MESSAGES) * 1000 + OUT * 2000;
const N = 10;
const QUESTION = 'What is the capital of Australia?';
const PARAPHRASE = 'Hi! Could you please tell me what the capital of Australia is? Thanks!';

type Json = Record<string, unknown>;

void describe('Helix on a Redis Cluster', () => {
  let cluster: RedisClusterInstance;
  let redis: RedisClient;
  let pipeline: Pipeline;
  let second: HelixProcess;
  const urls: string[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-redis-cluster-'));
    cluster = await startRedisCluster({ dataDir: join(dir, 'redis') });
    redis = createRedis(cluster.url, { maxRetriesPerRequest: 1 });
    writeFileSync(join(dir, 'helix.yaml'), CONFIG);
    const env = { HELIX_CONFIG: join(dir, 'helix.yaml'), HELIX_MASTER_KEY: MASTER, HELIX_REDIS_URL: cluster.url };
    pipeline = await startPipeline(env);
    const [port, queryPort] = await freePorts(2);
    second = spawnHelix('gateway/main.ts', { ...pipeline.env, HELIX_PORT: String(port), HELIX_QUERY_PORT: String(queryPort), HELIX_DATA_DIR: join(dir, 'gw-b') }, 'gateway-b', dir);
    urls.push(pipeline.gatewayUrl, `http://127.0.0.1:${port}`);
    await waitFor('second gateway', async () => (await fetch(`${urls[1]}/health/live`)).ok, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${second.log()}`);
    });
  });
  after(async () => {
    await Promise.all([second?.stop(), pipeline?.stop()]);
    redis?.disconnect();
    await cluster?.stop();
  });

  const call = async (url: string, method: 'GET' | 'POST', path: string, body?: unknown, key = MASTER) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const ok = async (url: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await call(url, method, path, body);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const chat = async (url: string, key: string, opts: { model?: string; content?: string; maxTokens?: number; cacheControl?: string } = {}) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(opts.cacheControl ? { 'cache-control': opts.cacheControl } : {}) },
      body: JSON.stringify({ model: opts.model ?? 'mock/echo', messages: [{ role: 'user', content: opts.content ?? 'ping' }], ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}) }),
    });
    const text = await res.text();
    return { status: res.status, cache: res.headers.get('x-helix-cache'), entry: res.headers.get('x-helix-cache-entry'), text, url };
  };
  const sum = (hash: Record<string, string>) => Object.values(hash).reduce((n, v) => n + Number(v), 0);

  void it(`rate limits: an RPM of ${N} allows exactly ${N} of 30 requests across both gateways; the team's counter in another slot gets the refused requests back`, async () => {
    const teamId = `rl-${run}`;
    await ok(urls[0]!, 'POST', '/team/new', { team_id: teamId, rpm_limit: 1000 });
    const created = await ok(urls[0]!, 'POST', '/key/generate', { team_id: teamId, rpm_limit: N });
    const keyCounter = `helix:rl:{key:${created.key_id as string}}:rpm`;
    const teamCounter = `helix:rl:{team:${teamId}}:rpm`;
    assert.notEqual(slotOf(keyCounter), slotOf(teamCounter), 'the two counters are checked by two script calls');

    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(urls[i % 2]!, created.key as string, { cacheControl: 'no-cache, no-store' })));
    assert.equal(results.filter((r) => r.status === 200).length, N, `statuses: ${results.map((r) => r.status).join(',')}`);
    assert.equal(results.filter((r) => r.status === 429).length, 30 - N);
    assert.equal(new Set(results.filter((r) => r.status === 429).map((r) => r.url)).size, 2, 'both gateways refuse: one shared counter');
    assert.equal(sum(await redis.hgetall(keyCounter)), N);
    assert.equal(sum(await redis.hgetall(teamCounter)), N, 'what the team slot counted for refused requests was taken back');
  });

  void it(`budgets: ${N} of 60 concurrent requests on two gateways fit a key's budget; spend = ledger, nothing left held on the key or its team`, async () => {
    const teamId = `bud-${run}`;
    await ok(urls[0]!, 'POST', '/team/new', { team_id: teamId, max_budget: 1000, budget_duration: '1d' });
    const created = await ok(urls[0]!, 'POST', '/key/generate', { team_id: teamId, max_budget: (N * COST_NANO) / 1e9, budget_duration: '1d' });
    const keyId = created.key_id as string;
    const keys = new BudgetKeys('helix:budget:');
    const [keyScope, teamScope] = [`key:${keyId}`, `team:${teamId}`];
    assert.notEqual(slotOf(keys.held(keyScope)), slotOf(keys.held(teamScope)), 'the key and team budgets are reserved by two script calls');

    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(urls[i % 2]!, created.key as string, { model: 'mock/fixed', maxTokens: OUT, cacheControl: 'no-store' })));
    const served = results.filter((r) => r.status === 200);
    assert.equal(served.length, N, `statuses: ${[...new Set(results.map((r) => r.status))].join(',')}`);
    for (const r of results.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 429);
      assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'budget_exceeded');
    }

    const period = periodAt(DAILY, Date.now()).id;
    const num = async (key: string) => Number((await redis.get(key)) ?? 0);
    await waitFor('the ledger to book every request', async () => (await num(keys.held(keyScope))) === 0 && (await num(keys.held(teamScope))) === 0 && (await num(keys.spend(keyScope, period))) === N * COST_NANO, 60_000, 200);
    assert.equal(await num(keys.spend(teamScope, period)), N * COST_NANO, 'the team was charged exactly what the key spent');
    await waitFor('ledger entries in ClickHouse', async () => Number((await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.ledger_entries WHERE key_id = '${keyId}'`))[0]?.n) === N, 60_000, 500);
    const [row] = await helixSql<{ cost: string }>(pipeline.env, `SELECT toString(sum(cost_usd)) AS cost FROM helix.ledger_entries FINAL WHERE key_id = '${keyId}'`);
    assert.equal(nanoFromDecimal(row?.cost ?? '0'), N * COST_NANO);
  });

  void it('keys: created on one gateway, listed, rotated and blocked — the other gateway follows at once', async () => {
    const teamId = `keys-${run}`;
    const created = await ok(urls[0]!, 'POST', '/key/generate', { team_id: teamId, key_alias: `cluster-${run}` });
    const [oldKey, keyId] = [created.key as string, created.key_id as string];
    assert.equal((await chat(urls[1]!, oldKey)).status, 200);
    const listed = await ok(urls[1]!, 'GET', `/key/list?team_id=${teamId}&return_full_object=true`);
    assert.equal(JSON.stringify(listed).includes(keyId), true, `key/list: ${JSON.stringify(listed)}`);

    const rotated = await ok(urls[0]!, 'POST', '/key/regenerate', { key: keyId });
    const newKey = rotated.key as string;
    assert.notEqual(newKey, oldKey);
    await waitFor('the old secret refused on the other gateway', async () => (await chat(urls[1]!, oldKey)).status === 401, 5_000, 100);
    assert.equal((await chat(urls[1]!, newKey)).status, 200);
    assert.equal(((await ok(urls[1]!, 'GET', `/key/info?key=${keyId}`)).info as Json).rotation_count, 1, 'found by its id (a search on the key index)');

    await ok(urls[0]!, 'POST', '/key/block', { key: keyId });
    await waitFor('the blocked key refused on the other gateway', async () => (await chat(urls[1]!, newKey)).status === 401, 5_000, 100);
    await ok(urls[0]!, 'POST', '/key/unblock', { key: keyId });
    await waitFor('the unblocked key served again', async () => (await chat(urls[1]!, newKey)).status === 200, 5_000, 100);
  });

  void it('cache: exact and semantic hits, stats and invalidation, the semantic index sharded over the masters', async () => {
    const teamId = `cache-${run}`;
    const key = (await ok(urls[0]!, 'POST', '/key/generate', { team_id: teamId })).key as string;
    await waitFor('semantic cache ready', async () => ((await (await fetch(`${urls[0]}/health/ready`)).json()) as { components: { cache?: { semantic: string } } }).components.cache?.semantic === 'ready', 60_000);

    assert.equal((await chat(urls[0]!, key, { content: QUESTION })).cache, 'miss');
    assert.equal((await chat(urls[1]!, key, { content: QUESTION })).cache, 'exact', 'the other gateway finds the entry');

    const settings = cacheSettings();
    const shards = semanticShards(settings.redis_index, settings.redis_prefix, true);
    assert.equal(shards.length, CLUSTER_INDEX_SHARDS);
    const shard = shardFor(shards, `team:${teamId}`, 'mock/echo');
    const entry = await waitFor(
      'the cache-builder to index the entry',
      async () => parseSearchReply(await callOnKeyNode(redis, shard.index, 'FT.SEARCH', shard.index, tagFilter({ namespace: `team:${teamId}` }), 'RETURN', '1', '$.prompt', 'DIALECT', '2')).docs[0]?.key,
      60_000,
      200,
    );
    assert.ok(entry.startsWith(`${shard.prefix}entry:`), entry);
    assert.equal(slotOf(entry), slotOf(shard.index), "an entry lives in its index's slot");

    const para = await chat(urls[1]!, key, { content: PARAPHRASE });
    assert.equal(para.cache, 'semantic');
    assert.equal((JSON.parse(para.text) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, QUESTION);
    assert.equal(`${shard.prefix}entry:${para.entry}`, entry);

    const stats = await ok(urls[0]!, 'GET', '/cache/stats');
    assert.ok((stats.exact_entries as number) >= 1 && (stats.semantic_entries as number) >= 1, JSON.stringify(stats));
    const { deleted } = await ok(urls[0]!, 'POST', '/cache/invalidate', { namespace: `team:${teamId}` });
    assert.ok((deleted as number) >= 2, `deleted ${String(deleted)}`);
    assert.equal((await chat(urls[1]!, key, { content: QUESTION, cacheControl: 'no-store' })).cache, 'miss');
  });

  void it('teams: new, info, update, list, delete', async () => {
    const teamId = `crud-${run}`;
    assert.equal((await ok(urls[0]!, 'POST', '/team/new', { team_id: teamId, team_alias: 'Cluster', rpm_limit: 60 })).team_id, teamId);
    assert.equal(((await ok(urls[1]!, 'GET', `/team/info?team_id=${teamId}`)).team_info as Json).team_alias, 'Cluster');
    assert.equal(((await ok(urls[1]!, 'POST', '/team/update', { team_id: teamId, rpm_limit: 120 })).data as Json).rpm_limit, 120);
    assert.ok(((await ok(urls[0]!, 'GET', '/team/list')) as unknown as Json[]).some((t) => t.team_id === teamId && t.rpm_limit === 120));
    assert.deepEqual((await ok(urls[0]!, 'POST', '/team/delete', { team_ids: [teamId] })).deleted_teams, [teamId]);
    assert.equal((await call(urls[1]!, 'GET', `/team/info?team_id=${teamId}`)).status, 404);
  });

  void it('every master holds keys and indexes', async () => {
    const nodes = masters(redis);
    assert.equal(nodes.length, 3);
    const indexes = await Promise.all(nodes.map(async (n) => ((await n.call('FT._LIST')) as string[]).length));
    const sizes = await Promise.all(nodes.map((n) => n.dbsize()));
    assert.ok(sizes.every((n) => n > 0), `keys per master: ${sizes.join(', ')}`);
    assert.ok(indexes.every((n) => n > 0), `indexes per master: ${indexes.join(', ')}`);
    assert.equal(indexes.reduce((a, b) => a + b, 0), CLUSTER_INDEX_SHARDS + 1, 'the semantic shards and the key index');
  });
});
