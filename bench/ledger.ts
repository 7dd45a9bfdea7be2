// Ledger and budget benchmark, one process, against real Kafka and Redis:
//  1. Ledger consumer throughput (events/s): N response events on a topic, consumed by (a) the same consume loop with
//     a sink that only decodes (baseline) and (b) the ledger group (price, book in Redis, publish entries to Kafka).
//  2. Budget-reservation overhead in the gateway — the number (target: p99 added latency ≤ 0.3 ms): a real
//     gateway process and the mock upstream, one keep-alive connection, requests interleaved one by one between keys
//     that differ only in having a budget (so both see the same machine noise). Three paths: a cache miss (the
//     default: exact lookup on), the cache off for the key, and an exact hit. Added latency = budget − no budget,
//     per round; the median and the spread over the rounds are reported.
//  3. Context: the reservation scripts called directly (reserve, reserve + settle, 32 in flight) next to a Redis PING
//     round trip and the rate limiter's check in the same run.
// Usage: npx tsx bench/ledger.ts [--events 20000] [--iterations 5000] [--rounds 5] [--requests 1000] [--parts ledger,gateway,direct]
// Uses HELIX_KAFKA_BROKERS / HELIX_REDIS_URL when both are set, otherwise starts its own services.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { startServices } from '../stack/services.ts';
import { createKafka, ensureTopics } from '../lib/kafka.ts';
import { parseConfig, runtimeEnv, type HelixConfig } from '../lib/config.ts';
import { topicName } from '../schemas/topics.ts';
import { PriceBook } from '../core/prices.ts';
import { budgetSettings } from '../schemas/config/budgets.ts';
import { runConsumer } from '../lib/consume/runner.ts';
import type { Sink } from '../lib/consume/sink.ts';
import { startLedger } from '../consumers/ledger/start.ts';
import { createBudgets } from '../gateway/budgets/budget-service.ts';
import { BudgetKeys } from '../core/budgets/store.ts';
import { SlidingWindowLimiter } from '../gateway/limits/sliding-window.ts';
import { newTrace } from '../gateway/pipeline/trace.ts';
import { responseEvent } from '../gateway/pipeline/events.ts';
import { spawnHelix, waitFor } from '../test/helpers/processes.ts';
import { freePort } from '../stack/ports.ts';
import { cpuMicros, fmt, median, percentile, startServer, table } from './lib.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    iterations: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '1000' },
    parts: { type: 'string', default: 'ledger,gateway,direct' },
  },
});
const EVENTS = Number(values.events);
const ITERATIONS = Number(values.iterations);
const ROUNDS = Math.max(1, Number(values.rounds));
/** Requests per path and key in each round. */
const REQUESTS = Math.max(100, Number(values.requests));
const PARTS = new Set(values.parts.split(','));
const MODEL_LIST = [{ model_name: 'bench', litellm_params: { model: 'mock/echo', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } }];

const own = process.env.HELIX_KAFKA_BROKERS && process.env.HELIX_REDIS_URL ? undefined : await startServices({ ports: 'random' });
const env = { ...process.env, ...own?.env };
const redis = new Redis(env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
const prefix = `bench-ledger-${randomBytes(3).toString('hex')}`;

function quantiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99), mean: s.reduce((n, v) => n + v, 0) / Math.max(1, s.length) };
}

/** A measured call; it may return an untimed clean-up step (e.g. releasing what it reserved). */
type Measured = () => Promise<unknown>;

async function timed(fn: Measured): Promise<number> {
  const t0 = process.hrtime.bigint();
  const after = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (typeof after === 'function') await (after as () => Promise<unknown>)();
  return ms;
}

/** `concurrency` loops in parallel, each sample one call's own latency (1 = sequential). */
async function latencies(fn: Measured, concurrency = 1): Promise<number[]> {
  for (let i = 0; i < 500; i++) await timed(fn); // warm-up: JIT, script cache, connection
  const samples: number[] = [];
  const per = Math.ceil(ITERATIONS / concurrency);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < per; i++) samples.push(await timed(fn));
  }));
  return samples;
}

async function produceEvents(kafka: Kafka, topicPrefix: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const keys = Array.from({ length: 50 }, (_, i) => `key_bench_${i}`);
  for (let i = 0; i < EVENTS; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => {
      const trace = newTrace('/v1/chat/completions');
      Object.assign(trace, { keyId: keys[(i + j) % keys.length]!, teamId: `team_${(i + j) % 5}`, model: 'bench', provider: 'mock', deployment: 'bench#0' });
      trace.usage = { prompt_tokens: 100 + (j % 50), completion_tokens: 20 + (j % 30), total_tokens: 0 };
      const e = responseEvent(trace);
      return { key: e.key_id, value: JSON.stringify(e) };
    });
    await producer.send({ topic: topicName('responses', topicPrefix), acks: -1, messages });
  }
  await producer.disconnect();
}

/** Time until a consumer group has written all EVENTS. */
async function drain(stats: () => { written: number; deadLettered: number }): Promise<number> {
  const t0 = Date.now();
  while (stats().written + stats().deadLettered < EVENTS) {
    if (Date.now() - t0 > 300_000) throw new Error(`stuck at ${stats().written} of ${EVENTS}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return (Date.now() - t0) / 1000;
}

async function ledgerThroughput(): Promise<Array<Record<string, string | number>>> {
  const topicPrefix = `${prefix}.`;
  const kafka = createKafka(env.HELIX_KAFKA_BROKERS!.split(','), 'helix-bench-ledger');
  await ensureTopics(kafka, topicPrefix);
  await produceEvents(kafka, topicPrefix);

  const decodeOnly: Sink<unknown> = { decode: (m) => ({ ok: true, value: JSON.parse(m.value?.toString('utf8') ?? 'null') as unknown }), write: async () => undefined };
  const baseline = await runConsumer({ kafka, groupId: 'bench-decode-only', topics: ['responses'], topicPrefix, sink: decodeOnly });
  const baseSeconds = await drain(baseline.stats);
  await baseline.stop();

  const config: HelixConfig = {
    ...parseConfig({ model_list: MODEL_LIST, helix_settings: { budgets: { redis_prefix: `${prefix}:` } } }),
    env: runtimeEnv({ ...env, HELIX_TOPIC_PREFIX: topicPrefix }),
  };
  const ledger = await startLedger(kafka, config, { groupId: 'bench-ledger' });
  const ledgerSeconds = await drain(ledger.stats);
  await ledger.stop();
  const rate = (s: number) => Math.round(EVENTS / s);
  return [
    { consumer: 'decode only (baseline)', events: EVENTS, seconds: fmt(baseSeconds, 2), 'events/s': rate(baseSeconds), 'vs baseline': '1.00' },
    { consumer: 'ledger (price + book + publish)', events: EVENTS, seconds: fmt(ledgerSeconds, 2), 'events/s': rate(ledgerSeconds), 'vs baseline': fmt(baseSeconds / ledgerSeconds, 2) },
  ];
}

/** Redis-side execution time of EVALSHA (INFO commandstats): the scripts' own cost, free of client scheduling noise. */
async function evalshaStats(): Promise<{ calls: number; usec: number }> {
  const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redis.info('commandstats'));
  return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
}

async function reservationOverhead(): Promise<Array<Record<string, string | number>>> {
  const prices = new PriceBook(MODEL_LIST);
  const budgets = createBudgets({ redis, prices, settings: budgetSettings({ redis_prefix: `${prefix}:`, teams: { t1: { max_budget: 1e6, budget_duration: 'monthly' } } }) });
  const holder = { keyId: 'key_bench', alias: '', userId: '', teamId: 't1', maxBudget: 1e6, budgetDuration: '1d' };
  const body = { messages: [{ role: 'user' as const, content: 'Say hello to the benchmark.' }], max_tokens: 64 };
  const promptTokens = 14; // counted once by the gateway for its TPM limit already; the budget reuses it
  const event = () => ({ event_id: randomUUID(), type: 'response' as const, ts: new Date().toISOString(), model: 'bench', provider: 'mock', deployment: 'bench#0', prompt_tokens: 14, completion_tokens: 9, cache: 'none' });
  const reserveSettle = async () => {
    const r = await budgets.reserve({ holder, model: 'bench', body, promptTokens });
    await r.settle(event());
  };
  const limiter = new SlidingWindowLimiter(redis, { windowMs: 60_000, bucketMs: 1000 });
  const rows: Array<Record<string, string | number>> = [];
  const ping = quantiles(await latencies(() => redis.ping()));
  const row = (what: string, q: { p50: number; p99: number; mean: number }) => ({ what, 'p50 ms': fmt(q.p50, 3), 'p99 ms': fmt(q.p99, 3), 'mean ms': fmt(q.mean, 3), 'p99 vs PING': fmt(q.p99 / ping.p99, 2) });
  rows.push(row('redis PING round trip (baseline)', ping));
  rows.push(row('rate limiter check (1 Lua)', quantiles(await latencies(() => limiter.consume([{ key: `${prefix}:rl`, limit: 1e12, cost: 1 }])))));
  const reserveOnly = async () => {
    const r = await budgets.reserve({ holder, model: 'bench', body, promptTokens });
    return () => r.release();
  };
  rows.push(row('budget reserve (1 Lua, key+team: before the call)', quantiles(await latencies(reserveOnly))));
  const before = await evalshaStats();
  rows.push(row('budget reserve + settle (2 Lua, key+team)', quantiles(await latencies(reserveSettle))));
  const after = await evalshaStats();
  const serverUs = (after.usec - before.usec) / Math.max(1, after.calls - before.calls);
  rows.push(row('budget reserve + settle, 32 in flight', quantiles(await latencies(reserveSettle, 32))));
  rows.push({ what: 'Redis time per budget script (server side)', 'p50 ms': '', 'p99 ms': '', 'mean ms': fmt(serverUs / 1000, 3), 'p99 vs PING': '' });
  return rows;
}

/** One keep-alive connection for every request: the gateway sees one client, as the "1 connection" asks. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** POST and read the whole answer; ms from the request's start to the response's end, as a client sees it. */
function post(url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; ms: number; cache: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, cache: String(res.headers['x-helix-cache'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The number: the latency a request gains in the real gateway because its key has a budget. One gateway, the
 * mock upstream, six keys — per path (cache miss, cache off for the key, exact hit) one with a budget and one
 * without — and requests interleaved one by one over the six on one connection, so every pair shares the same
 * machine noise. Nothing else differs between the two keys of a pair (no rate limits, same model, same body).
 */
async function gatewayOverhead(): Promise<{ rows: Array<Record<string, string | number>>; added: Record<string, number[]> }> {
  const dir = mkdtempSync(join(tmpdir(), 'helix-bench-ledger-'));
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const upstream = await startServer('bench/servers/mock-upstream.ts');
    stops.unshift(upstream.stop);
    const config = join(dir, 'helix.yaml');
    // Exact cache on (the default), semantic off: an embedding per miss would hide any Redis round trip behind it.
    writeFileSync(
      config,
      `model_list:\n  - model_name: bench\n    litellm_params: { model: openai/bench-model, api_base: "${upstream.url}/v1", api_key: sk-bench, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }\n` +
        `helix_settings:\n  budgets: { redis_prefix: "${prefix}:budget:" }\n  semantic_cache: { semantic_enabled: false, redis_prefix: "${prefix}:cache:" }\n` +
        `  auth: { redis_prefix: "${prefix}:auth:", cache_ttl_seconds: 3600 }\n`,
    );
    const port = await freePort();
    const master = `sk-bench-master-${randomBytes(8).toString('hex')}`;
    const gwEnv = { ...env, HELIX_PORT: String(port), HELIX_CONFIG: config, HELIX_DATA_DIR: dir, HELIX_LOG_LEVEL: 'warn', HELIX_TOPIC_PREFIX: `${prefix}.gw.`, HELIX_MASTER_KEY: master };
    const helix = spawnHelix('gateway/main.ts', gwEnv, 'gateway', dir);
    stops.unshift(() => helix.stop());
    const base = `http://127.0.0.1:${port}`;
    await waitFor('helix gateway', async () => (await fetch(`${base}/health/live`)).ok);
    const generate = async (settings: Record<string, unknown>) => {
      const res = await fetch(`${base}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${master}`, 'content-type': 'application/json' }, body: JSON.stringify(settings) });
      if (!res.ok) throw new Error(`key/generate: ${res.status} ${await res.text()}`);
      return (await res.json()) as { key: string; key_id: string };
    };
    const budget = { max_budget: 1_000_000, budget_duration: '1d' };
    interface Path {
      path: string;
      headers: Record<string, string>;
      metadata: Record<string, unknown>;
      expect: string;
    }
    interface Variant extends Path {
      withBudget: boolean;
      keyId: string;
      /** Per round, ms per request. */
      samples: number[][];
    }
    const paths: Path[] = [
      { path: 'cache miss (default: exact lookup)', headers: { 'cache-control': 'no-store' }, metadata: {}, expect: 'miss' },
      { path: 'cache off for the key', headers: {}, metadata: { cache: false }, expect: 'bypass' },
      { path: 'exact cache hit', headers: {}, metadata: {}, expect: 'exact' },
    ];
    const variants: Variant[] = [];
    for (const p of paths) {
      for (const withBudget of [false, true]) {
        const key = await generate({ metadata: p.metadata, ...(withBudget ? budget : {}) });
        variants.push({ ...p, withBudget, keyId: key.key_id, headers: { ...p.headers, authorization: `Bearer ${key.key}` }, samples: [] });
      }
    }
    const url = new URL(`${base}/v1/chat/completions`);
    const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 64 });
    // Prime the hit keys' entries (the store is asynchronous), then warm up every path (JIT, connections, scripts).
    for (const v of variants.filter((x) => x.expect === 'exact')) await waitFor('exact entry', async () => (await post(url, body, v.headers)).cache === 'exact', 10_000, 50);
    const once = async (v: Variant) => {
      const r = await post(url, body, v.headers);
      if (r.status !== 200 || r.cache !== v.expect) throw new Error(`${v.path}${v.withBudget ? ' (budget)' : ''}: status ${r.status}, x-helix-cache ${r.cache || '-'} (expected 200, ${v.expect})`);
      return r.ms;
    };
    for (let i = 0; i < 300; i++) for (const v of variants) await once(v);
    for (let round = 0; round < ROUNDS; round++) {
      const samples = variants.map(() => [] as number[]);
      for (let i = 0; i < REQUESTS; i++) {
        // Rotating order: no key is always first after another one.
        for (let j = 0; j < variants.length; j++) {
          const k = (i + j) % variants.length;
          samples[k]!.push(await once(variants[k]!));
        }
      }
      variants.forEach((v, k) => v.samples.push(samples[k]!));
    }
    // CPU per request of the gateway and of Redis (utime + stime from /proc): blocks of requests per key, rotating.
    // Latency on a shared 2-core machine moves with whatever else runs; the CPU a budget adds per request barely does.
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
    const cpu = variants.map(() => ({ gateway: 0, redis: 0, requests: 0 }));
    const block = Math.max(50, Math.round(REQUESTS / 5));
    for (let round = 0; round < ROUNDS; round++) {
      for (let j = 0; j < variants.length; j++) {
        const k = (round + j) % variants.length;
        const before = { gateway: cpuMicros(helix.child.pid), redis: cpuMicros(redisPid) };
        for (let i = 0; i < block; i++) await once(variants[k]!);
        await new Promise((r) => setTimeout(r, 5)); // deferred work (settle) of the last request
        cpu[k]!.gateway += cpuMicros(helix.child.pid) - before.gateway;
        cpu[k]!.redis += cpuMicros(redisPid) - before.redis;
        cpu[k]!.requests += block;
      }
    }
    // The budget really was enforced: its keys hold their settled (not yet booked: no ledger runs here) costs.
    const keys = new BudgetKeys(`${prefix}:budget:`);
    for (const v of variants.filter((x) => x.withBudget)) {
      if (!(Number(await redis.get(keys.held(`key:${v.keyId}`))) > 0)) throw new Error(`no budget state for ${v.path}: the reservation did not run`);
    }
    const rows: Array<Record<string, string | number>> = [];
    const added: Record<string, number[]> = {};
    for (const p of paths) {
      const [off, on] = [variants.find((v) => v.path === p.path && !v.withBudget)!, variants.find((v) => v.path === p.path && v.withBudget)!];
      const perRound = off.samples.map((s, r) => ({ a: quantiles(s), b: quantiles(on.samples[r]!) }));
      const d50 = perRound.map((x) => x.b.p50 - x.a.p50);
      const d99 = perRound.map((x) => x.b.p99 - x.a.p99);
      const dMean = perRound.map((x) => x.b.mean - x.a.mean);
      added[p.path] = d99;
      const all = { a: quantiles(off.samples.flat()), b: quantiles(on.samples.flat()) };
      const cpuOf = (v: Variant, what: 'gateway' | 'redis') => {
        const c = cpu[variants.indexOf(v)]!;
        return c[what] / c.requests;
      };
      rows.push({
        path: p.path,
        'p50 ms (no budget / budget)': `${fmt(all.a.p50, 3)} / ${fmt(all.b.p50, 3)}`,
        'p99 ms (no budget / budget)': `${fmt(all.a.p99, 3)} / ${fmt(all.b.p99, 3)}`,
        'added p50 ms': fmt(median(d50), 3),
        'added mean ms': fmt(median(dMean), 3),
        'added p99 ms': fmt(median(d99), 3),
        'added p99 per round (min … max)': `${fmt(Math.min(...d99), 3)} … ${fmt(Math.max(...d99), 3)}`,
        'gateway CPU µs/req (no budget / budget)': `${fmt(cpuOf(off, 'gateway'), 0)} / ${fmt(cpuOf(on, 'gateway'), 0)}`,
        'Redis CPU µs/req (no budget / budget)': `${fmt(cpuOf(off, 'redis'), 0)} / ${fmt(cpuOf(on, 'redis'), 0)}`,
      });
    }
    return { rows, added };
  } finally {
    for (const stop of stops) await stop();
    agent.destroy();
  }
}

try {
  if (PARTS.has('ledger')) {
    console.log(`\nledger consumer throughput (${EVENTS} response events, 6 partitions, real Kafka + Redis)\n`);
    console.log(table(await ledgerThroughput()));
  }
  if (PARTS.has('gateway')) {
    const { rows, added } = await gatewayOverhead();
    console.log(`\nbudget-reservation overhead in the gateway: added latency, budget vs no budget (1 connection, ${ROUNDS} rounds × ${REQUESTS} requests per key, interleaved; "added" = median over the rounds)\n`);
    console.log(table(rows));
    const miss = median(added['cache miss (default: exact lookup)']!);
    console.log(`\nbudget-reservation overhead, p99 added latency (cache miss, default config): ${fmt(miss, 3)} ms   (target ≤ 0.3 ms)`);
  }
  if (PARTS.has('direct')) {
    console.log(`\nbudget scripts called directly, for context (${ITERATIONS} samples, real Redis; not on the request path as such)\n`);
    console.log(table(await reservationOverhead()));
  }
} finally {
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  await redis.call('FT.DROPINDEX', `${prefix}:auth:key:index`).catch(() => undefined);
  redis.disconnect();
  await own?.stop();
}
