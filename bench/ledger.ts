// Ledger and budget benchmark, one process and one run, against real Kafka and Redis:
//  1. Ledger consumer throughput (events/s): N response events on a topic, consumed by (a) the same consume loop with
//     a sink that only decodes (baseline) and (b) the ledger group (price, book in Redis, publish entries to Kafka).
//  2. Budget reservation overhead: reserve + settle (two Lua calls) per request, sequential and 32 in flight; the
//     baseline is a Redis PING round trip and the rate limiter's check in the same run. Target: p99 ≤ 0.3 ms.
// Usage: npx tsx bench/ledger.ts [--events 20000] [--iterations 5000]
// Uses HELIX_KAFKA_BROKERS / HELIX_REDIS_URL when both are set, otherwise starts its own services.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { startServices } from '../stack/services.ts';
import { createKafka, ensureTopics } from '../lib/kafka.ts';
import { parseConfig, runtimeEnv, type HelixConfig } from '../lib/config.ts';
import { topicName } from '../schemas/topics.ts';
import { PriceBook } from '../lib/prices.ts';
import { budgetSettings } from '../schemas/config/budgets.ts';
import { runConsumer, type Sink } from '../consumers/runner.ts';
import { startLedger } from '../consumers/ledger/start.ts';
import { createBudgets } from '../gateway/budgets/index.ts';
import { SlidingWindowLimiter } from '../gateway/limits/sliding-window.ts';
import { newContext } from '../gateway/pipeline/context.ts';
import { responseEvent } from '../gateway/pipeline/events.ts';
import { fmt, table } from './lib.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, iterations: { type: 'string', default: '5000' } } });
const EVENTS = Number(values.events);
const ITERATIONS = Number(values.iterations);
const MODEL_LIST = [{ model_name: 'bench', litellm_params: { model: 'mock/echo', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } }];

const own = process.env.HELIX_KAFKA_BROKERS && process.env.HELIX_REDIS_URL ? undefined : await startServices({ ports: 'random' });
const env = { ...process.env, ...own?.env };
const redis = new Redis(env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
const prefix = `bench-ledger-${randomBytes(3).toString('hex')}`;

function quantiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((n, v) => n + v, 0) / Math.max(1, s.length) };
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
      const ctx = newContext('/v1/chat/completions');
      Object.assign(ctx, { keyId: keys[(i + j) % keys.length]!, teamId: `team_${(i + j) % 5}`, model: 'bench', provider: 'mock', deployment: 'bench#0' });
      ctx.usage = { prompt_tokens: 100 + (j % 50), completion_tokens: 20 + (j % 30), total_tokens: 0 };
      const e = responseEvent(ctx);
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

try {
  console.log(`\nledger consumer throughput (${EVENTS} response events, 6 partitions, real Kafka + Redis)\n`);
  console.log(table(await ledgerThroughput()));
  console.log(`\nbudget reservation overhead per request (${ITERATIONS} samples, real Redis; target p99 ≤ 0.3 ms)\n`);
  console.log(table(await reservationOverhead()));
} finally {
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
  await own?.stop();
}
