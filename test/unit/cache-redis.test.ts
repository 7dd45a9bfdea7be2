// The cache against the real Redis Stack and the real MiniLM: index creation, builder writes (redis-om), KNN
// filtered by namespace/model/params, team isolation, exact entries, invalidation, stats — and Redis going away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createEmbedder } from '../../lib/embedder.ts';
import { createEmbeddingPool, type EmbeddingPool } from '../../lib/embedding-pool.ts';
import { cacheSettings, type CacheSettings } from '../../schemas/config/cache.ts';
import type { CacheFill } from '../../schemas/events/cache.ts';
import { createChatCache, type ChatCache } from '../../gateway/cache/chat-cache.ts';
import { cacheStats, invalidateCache } from '../../core/cache/admin.ts';
import { ensureSemanticIndexes, entryKeyPrefix, semanticShards, shardFor } from '../../core/cache/semantic-index.ts';
import { entryRepositories } from '../../core/cache/fill-writer.ts';
import { callOnKeyNode, createNodeRedis, createRedis, isCluster, scanKeys, type NodeRedisClient, type RedisClient } from '../../lib/redis.ts';
import { clearTestData } from '../helpers/redis.ts';
import { RedisGuard } from '../../gateway/cache/redis-guard.ts';
import { StatsCounters } from '../../gateway/cache/stats-counters.ts';
import { fillSink } from '../../core/cache/fill-sink.ts';
import { newTrace, type RequestTrace } from '../../gateway/pipeline/trace.ts';
import type { ChatCompletion, ChatRequest } from '../../core/llm.ts';
import { startRedis, type RedisInstance } from '../../stack/redis.ts';
import { freePort } from '../../stack/ports.ts';

const redisUrl = process.env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:6379';
const answer = (text: string): ChatCompletion => ({
  id: 'chatcmpl-up',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
});
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content }], ...extra });
const caller = (teamId: string, keyId = `key_${teamId}`): RequestTrace => Object.assign(newTrace('/v1/chat/completions'), { teamId, keyId });

void describe('cache on Redis Stack', () => {
  const run = randomBytes(4).toString('hex');
  const settings: CacheSettings = cacheSettings({ redis_prefix: `test:${run}:cache:`, redis_index: `test:${run}:semantic:index`, redis_timeout_ms: 500, embed_timeout_ms: 2_000 });
  let redis: RedisClient;
  let nodeRedis: NodeRedisClient;
  let pool: EmbeddingPool;
  let cache: ChatCache;
  const fills: CacheFill[] = [];
  let builder: ReturnType<typeof fillSink>;

  // Where entries and indexes are: one index on a single Redis, shards on a cluster (semantic-index.ts).
  const shards = () => semanticShards(settings.redis_index, settings.redis_prefix, isCluster(redis));
  const entryKey = (f: CacheFill) => `${entryKeyPrefix(shardFor(shards(), f.namespace, f.model).prefix)}${f.event_id}`;

  before(async () => {
    redis = createRedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    await new Promise<void>((r) => (redis.status === 'ready' ? r() : redis.once('ready', () => r())));
    nodeRedis = createNodeRedis(redisUrl);
    await nodeRedis.connect();
    pool = createEmbeddingPool({ workers: 1 });
    await pool.ready();
    cache = createChatCache({ redis, settings, embeddings: pool, publishFill: (f) => fills.push(f) });
    builder = fillSink({ repository: entryRepositories(nodeRedis, shards()), embedder: createEmbedder() });
  });
  after(async () => {
    await clearTestData(redisUrl, `test:${run}:`);
    await cache.close();
    await pool.close();
    redis.disconnect();
    await nodeRedis.quit();
  });

  /** A miss answered "upstream", stored, and its fill built into a semantic entry (what the consumer does). */
  async function fill(trace: RequestTrace, body: ChatRequest, text: string) {
    const req = await cache.begin({ headers: {}, body, trace });
    assert.equal(req.status, 'miss');
    trace.upstreamMs = 800;
    cache.store(req, answer(text), trace);
    const f = fills.at(-1)!;
    await builder.write([{ value: f, topic: 't', partition: 0, offset: '0' }]);
    return f;
  }

  void it('creates the HNSW index idempotently', async () => {
    await ensureSemanticIndexes(redis, shards());
    await ensureSemanticIndexes(redis, shards());
    const { index } = shards()[0]!;
    const info = (await callOnKeyNode(redis, index, 'FT.INFO', index)) as unknown[];
    const text = JSON.stringify(info);
    assert.match(text, /HNSW/);
    assert.match(text, /COSINE/);
    assert.match(text, /384/);
  });

  void it('serves exact hits, semantic hits after verification, and isolates teams', async () => {
    const red = caller('red');
    const f = await fill(red, ask('What is the capital of Australia?'), 'Canberra.');
    assert.equal(f.namespace, 'team:red');
    const doc = (await callOnKeyNode(redis, entryKey(f), 'JSON.GET', entryKey(f), '$.prompt', '$.namespace')) as string;
    assert.match(doc, /capital of Australia/);
    assert.ok((await redis.ttl(entryKey(f))) > 86_000, 'entry carries the TTL');

    const exact = await cache.begin({ headers: {}, body: ask('What is the capital of Australia?'), trace: caller('red', 'key_other_in_red') });
    assert.equal(exact.status, 'exact', 'same team, another key: same namespace');

    const para = await cache.begin({ headers: {}, body: ask('Hi! Could you please tell me what the capital of Australia is? Thanks!'), trace: caller('red') });
    assert.equal(para.status, 'semantic');
    assert.equal(para.hit?.answer.id, f.event_id);
    assert.ok(para.hit!.similarity >= 0.88);
    assert.equal(para.hit?.answer.completion.choices[0]?.message.content, 'Canberra.');

    const near = await cache.begin({ headers: {}, body: ask('What is the capital of Austria?'), trace: caller('red') });
    assert.equal(near.status, 'miss', 'a different entity is not served');
    const otherParams = await cache.begin({ headers: {}, body: ask('Hi! Could you please tell me what the capital of Australia is? Thanks!', { temperature: 0 }), trace: caller('red') });
    assert.equal(otherParams.status, 'miss', 'other parameters: other entries');

    for (const body of [ask('What is the capital of Australia?'), ask('Hi! Could you please tell me what the capital of Australia is? Thanks!')]) {
      const blue = await cache.begin({ headers: {}, body, trace: caller('blue') });
      assert.equal(blue.status, 'miss', 'another team never sees red entries');
    }
  });

  void it('honours no-cache, no-store, TTL and the LiteLLM body form', async () => {
    const trace = caller('red');
    const body = { ...ask('How many moons does Mars have?'), cache: { 'no-cache': true } } as ChatRequest;
    const r1 = await cache.begin({ headers: {}, body, trace });
    assert.equal(r1.status, 'bypass');
    assert.equal('cache' in r1.body, false, 'the body field never reaches the provider');
    cache.store(r1, answer('Two.'), trace);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await cache.begin({ headers: {}, body: ask('How many moons does Mars have?'), trace })).status, 'exact', 'no-cache still stores');

    const r2 = await cache.begin({ headers: { 'cache-control': 'no-store', 'x-helix-cache-ttl': '60' }, body: ask('Name a moon of Jupiter.'), trace });
    cache.store(r2, answer('Io.'), trace);
    const r3 = await cache.begin({ headers: { 'x-helix-cache-ttl': '60' }, body: ask('Name a moon of Saturn.'), trace });
    cache.store(r3, answer('Titan.'), trace);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await cache.begin({ headers: {}, body: ask('Name a moon of Jupiter.'), trace })).status, 'miss', 'no-store stores nothing');
    const keys = await scanKeys(redis, `${settings.redis_prefix}exact:*`);
    const ttls = await Promise.all(keys.map((k) => redis.ttl(k)));
    assert.ok(ttls.some((t) => t > 0 && t <= 60), 'x-helix-cache-ttl applies');

    const hot = await cache.begin({ headers: {}, body: ask('Name a moon of Saturn.', { temperature: 1.5 }), trace });
    assert.equal(hot.status, 'bypass', 'temperature above the limit');
    const off = await cache.begin({ headers: {}, body: ask('Name a moon of Saturn.'), trace, keyMetadata: { cache: false } });
    assert.equal(off.status, 'bypass', 'key with the cache off');
  });

  void it('invalidates by entry id, namespace and model; reports stats', async () => {
    const red = caller('red');
    const f = await fill(red, ask('Explain how photosynthesis works.'), 'Light to sugar.');
    assert.equal((await cache.begin({ headers: {}, body: ask('Please explain how photosynthesis works. Thanks!'), trace: red })).status, 'semantic');
    assert.ok((await invalidateCache(redis, settings, { entryId: f.event_id })).deleted >= 1);
    assert.equal((await cache.begin({ headers: {}, body: ask('Please explain how photosynthesis works. Thanks!'), trace: red })).status, 'miss');

    await cache.flushStats(); // counters are written once a second otherwise
    const stats = await cacheStats(redis, settings);
    assert.ok(stats.exact_entries >= 1 && stats.semantic_entries >= 1, JSON.stringify(stats));
    assert.ok((stats.counters.semantic_hits ?? 0) >= 1 && (stats.counters.misses ?? 0) >= 1);
    const { deleted } = await invalidateCache(redis, settings, { namespace: 'team:red', model: 'gpt-4o' });
    assert.ok(deleted >= 2);
    assert.equal((await cache.begin({ headers: {}, body: ask('What is the capital of Australia?'), trace: red })).status, 'miss');
    assert.equal((await cacheStats(redis, settings)).semantic_entries, 0);
  });

  void it('stats counters: written in batches, kept while Redis is unavailable, none lost', async () => {
    const key = `${settings.redis_prefix}counters-test`;
    let up = false;
    const counters = new StatsCounters(redis, key, () => up, 60_000);
    for (let i = 0; i < 5; i++) counters.add('misses');
    counters.add('exact_hits');
    await counters.flush();
    assert.deepEqual(await redis.hgetall(key), {}, 'nothing is written while Redis is unavailable');
    up = true;
    await counters.flush();
    counters.add('misses');
    await counters.close(); // writes the rest
    assert.deepEqual(await redis.hgetall(key), { misses: '6', exact_hits: '1' });
    await redis.del(key);
  });

  void it('recreates a vanished index on the next lookup (Redis came back empty)', async () => {
    const green = caller('green');
    const f = await fill(green, ask('How do I reverse a list in Python?'), 'list.reverse().');
    const para = ask('Hey, how do I reverse a list in Python? Thanks!');
    assert.equal((await cache.begin({ headers: {}, body: para, trace: green })).status, 'semantic');
    const { index } = shardFor(shards(), f.namespace, f.model);
    await callOnKeyNode(redis, index, 'FT.DROPINDEX', index); // keeps the documents
    assert.equal((await cache.begin({ headers: {}, body: para, trace: green })).status, 'miss');
    let status = '';
    for (let i = 0; i < 50 && status !== 'semantic'; i++, await new Promise((r) => setTimeout(r, 100))) {
      status = (await cache.begin({ headers: {}, body: para, trace: green })).status; // the recreated index re-scans the documents
    }
    assert.equal(status, 'semantic', 'not after 30 s of misses');
    await invalidateCache(redis, settings, { entryId: f.event_id });
  });

  void it('before the embedding model is loaded, lookups are exact-only misses, not waits', async () => {
    // Like the real pool while its workers load: the job waits in the queue until the embed timeout.
    const waitOut = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('embedding took too long')), settings.embed_timeout_ms));
    const loading: EmbeddingPool = { ...pool, ready: () => new Promise(() => undefined), embed: waitOut };
    const cold = createChatCache({ redis, settings, embeddings: loading });
    assert.equal(cold.semanticStatus(), 'loading');
    const t0 = Date.now();
    const r = await cold.begin({ headers: {}, body: ask('Anything not cached yet?'), trace: caller('red') });
    assert.equal(r.status, 'miss');
    assert.ok(Date.now() - t0 < 500, `took ${Date.now() - t0} ms (embed_timeout_ms is ${settings.embed_timeout_ms})`);
    assert.equal(cache.semanticStatus(), 'ready');
  });

  void it('embeds a recurring prompt once (recent vectors, concurrent lookups share one embedding)', async () => {
    let calls = 0;
    const counting: EmbeddingPool = { ...pool, encode: (text, timeoutMs) => (calls++, pool.encode(text, timeoutMs)) };
    const warm = createChatCache({ redis, settings, embeddings: counting });
    await warm.ready();
    const body = ask('Which planet is the largest one in our solar system?');
    const statuses = await Promise.all([1, 2, 3].map(() => warm.begin({ headers: {}, body, trace: caller('red') })));
    await warm.begin({ headers: {}, body, trace: caller('red') });
    assert.deepEqual(statuses.map((r) => r.status), ['miss', 'miss', 'miss']);
    assert.equal(calls, 1);
  });

  void it('a stalled event loop is not a timeout (a Redis reply or vector already waiting wins)', async () => {
    const guard = new RedisGuard(redis, 50);
    const reply = guard.run('ping', (r) => r.ping());
    const until = Date.now() + 200;
    while (Date.now() < until); // block: the reply arrives, the timer expires, neither is handled yet
    assert.equal(await reply, 'PONG');
    assert.equal(guard.available(), true);
    const vector = pool.embed('An embedding answered during a stall', 20);
    const later = Date.now() + 1_000; // ample for the worker thread, even on a loaded machine
    while (Date.now() < later);
    assert.equal((await vector).length, 384);
  });

  void it('skips expired fills (replaying an old topic)', async () => {
    const f = { ...fills[0]!, event_id: randomUUID(), expires_at: new Date(Date.now() - 1000).toISOString() };
    await builder.write([{ value: f, topic: 't', partition: 0, offset: '1' }]);
    assert.equal(await redis.exists(entryKey(f)), 0);
  });
});

void describe('cache with Redis unreachable', () => {
  let server: RedisInstance;
  let redis: Redis;
  let dir: string;
  let cache: ChatCache;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helix-cache-down-'));
    server = await startRedis({ port: await freePort(), dataDir: dir });
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    await new Promise<void>((r) => (redis.status === 'ready' ? r() : redis.once('ready', () => r())));
    cache = createChatCache({ redis, settings: cacheSettings({ semantic_enabled: false, redis_timeout_ms: 100 }) });
  });
  after(async () => {
    try {
      process.kill(server.pid, 'SIGCONT');
    } catch {
      /* not stopped */
    }
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('bypasses (never throws, never hangs) while Redis is frozen or down', async () => {
    const trace = caller('red');
    const first = await cache.begin({ headers: {}, body: ask('hello'), trace });
    assert.equal(first.status, 'miss');
    cache.store(first, answer('hi'), trace);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await cache.begin({ headers: {}, body: ask('hello'), trace })).status, 'exact');

    process.kill(server.pid, 'SIGSTOP');
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const r = await cache.begin({ headers: {}, body: ask('hello'), trace });
      assert.equal(r.status, 'bypass');
      assert.ok(Date.now() - t0 < 400, `took ${Date.now() - t0} ms`);
      cache.store(r, answer('hi'), trace); // harmless
    }
    process.kill(server.pid, 'SIGCONT');
    await server.stop();
    const t0 = Date.now();
    assert.equal((await cache.begin({ headers: {}, body: ask('hello'), trace })).status, 'bypass');
    assert.ok(Date.now() - t0 < 200);
  });
});
