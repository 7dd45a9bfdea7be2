// The ledger sink on the test run's real Redis (Kafka replaced by a recording publisher): exact entries, counters per
// scope and period, idempotent redelivery (also after a crash between booking and publishing), cache hits with
// their saving, errors, swap savings, and budget alerts at each threshold exactly once (also across a crash).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { KafkaMessage } from 'kafkajs';
import { PriceBook } from '../../core/prices.ts';
import { budgetSettings, costOptimizationSettings } from '../../schemas/config/budgets.ts';
import type { BudgetAlert, LedgerEntry } from '../../schemas/events/ledger.ts';
import type { ResponseEvent } from '../../schemas/events.ts';
import type { CacheEvent } from '../../schemas/events/cache.ts';
import { BudgetStore } from '../../core/budgets/store.ts';
import { createBudgets } from '../../gateway/budgets/budget-service.ts';
import { DAILY, MONTHLY, WEEKLY, periodAt } from '../../core/budgets/periods.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { errorEvent, requestEvent, responseEvent } from '../../gateway/pipeline/events.ts';
import { GatewayError } from '../../gateway/errors.ts';
import { decodeLedgerInput, ledgerSink, type LedgerMessage } from '../../consumers/ledger/sink.ts';
import type { DecodedMessage } from '../../lib/consume/sink.ts';
import type { ModelEntry } from '../../schemas/config.ts';

const url = process.env.HELIX_REDIS_URL;
const prefix = `test-ledger-${randomBytes(4).toString('hex')}:`;

const MODEL_LIST: ModelEntry[] = [
  { model_name: 'big', litellm_params: { model: 'mock/echo', input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 } },
  { model_name: 'small', litellm_params: { model: 'mock/echo', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } },
];
const prices = new PriceBook(MODEL_LIST);

function response(opts: { key: string; team?: string; user?: string; model?: string; prompt: number; completion: number; cache?: string; swappedFrom?: string }): ResponseEvent {
  const trace = newTrace('/v1/chat/completions');
  Object.assign(trace, { keyId: opts.key, teamId: opts.team ?? '', userId: opts.user ?? '', model: opts.model ?? 'small', provider: 'mock', deployment: opts.model === 'big' ? 'big#0' : 'small#1', cache: opts.cache ?? 'none' });
  trace.usage = { prompt_tokens: opts.prompt, completion_tokens: opts.completion, total_tokens: opts.prompt + opts.completion };
  const e = responseEvent(trace);
  return opts.swappedFrom ? ({ ...e, model_swapped_from: opts.swappedFrom } as ResponseEvent) : e;
}

function cacheHit(key: string, model: string, savedPrompt: number, savedCompletion: number): CacheEvent {
  return {
    event_id: randomUUID(), schema_version: 1, ts: new Date().toISOString(), request_id: 'r', key_id: key, team_id: '', user_id: '',
    type: 'cache', model, namespace: 'ns', hit: 'exact', entry_id: 'e1', similarity: 1, saved_prompt_tokens: savedPrompt, saved_completion_tokens: savedCompletion,
    saved_cost_usd: 0, saved_latency_ms: 10, lookup_ms: 1, stream: false,
  } as CacheEvent;
}

const message = (value: unknown): KafkaMessage => ({ key: null, value: Buffer.from(JSON.stringify(value)), timestamp: '0', attributes: 0, offset: '0', headers: {} }) as KafkaMessage;

function batchOf(...values: unknown[]): Array<DecodedMessage<LedgerMessage>> {
  return values.map((v, i) => {
    const decoded = decodeLedgerInput(message(v));
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    return { value: decoded.value, topic: 't', partition: 0, offset: String(i) };
  });
}

void describe('ledger sink (real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let redis: Redis;
  let store: BudgetStore;
  const published: { entries: LedgerEntry[]; alerts: BudgetAlert[] } = { entries: [], alerts: [] };
  let failNextPublish = false;
  const settings = budgetSettings({ redis_prefix: prefix, teams: { t1: { max_budget: 0.001, budget_duration: 'monthly' } } });
  const sink = () =>
    ledgerSink({
      store,
      prices,
      budgets: settings,
      alerts: costOptimizationSettings().budget_alerts,
      publish: async (entries, alerts) => {
        if (failNextPublish) {
          failNextPublish = false;
          throw new Error('kafka down');
        }
        published.entries.push(...entries);
        published.alerts.push(...alerts);
      },
    });
  const counter = async (scope: string, periodId: string) => Number((await redis.get(store.keys.spend(scope, periodId))) ?? 0);
  const reset = () => {
    published.entries.length = 0;
    published.alerts.length = 0;
  };

  before(async () => {
    redis = new Redis(url!, { maxRetriesPerRequest: 1 });
    await redis.ping();
    store = new BudgetStore(redis, prefix);
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  void it('turns a response event into an exact entry and adds it to every scope and period', async () => {
    reset();
    const e = response({ key: 'key_a', team: 't9', user: 'u1', prompt: 1000, completion: 500 });
    await sink().write(batchOf(e));
    const [entry] = published.entries;
    assert.ok(entry);
    assert.equal(entry.source_event_id, e.event_id);
    assert.equal(entry.cost_usd, 0.002);
    assert.equal(entry.input_cost_usd, 0.001);
    assert.equal(entry.output_cost_usd, 0.001);
    assert.equal(entry.price_source, 'config');
    assert.equal(entry.requested_model, 'small');
    const now = Date.parse(e.ts);
    const periods = [DAILY, WEEKLY, MONTHLY].map((s) => periodAt(s, now).id);
    for (const scope of ['key:key_a', 'user:u1', 'team:t9', 'global', 'model:small']) {
      for (const p of periods) {
        assert.ok(entry.counters.includes(`${scope}|${p}`), `${scope}|${p}`);
        if (scope !== 'global') assert.equal(await counter(scope, p), 2_000_000);
      }
    }
  });

  void it('never charges a redelivered event twice, and re-publishes the identical entry', async () => {
    reset();
    const e = response({ key: 'key_b', prompt: 100, completion: 100 });
    await sink().write(batchOf(e));
    await sink().write(batchOf(e, e));
    assert.equal(published.entries.length, 3);
    assert.deepEqual(published.entries[1], published.entries[0]);
    assert.deepEqual(published.entries[2], published.entries[0]);
    assert.equal(await counter('key:key_b', periodAt(DAILY, Date.parse(e.ts)).id), 100 * 1000 + 100 * 2000);
  });

  void it('loses nothing when publishing fails after booking (the batch is retried)', async () => {
    reset();
    const e = response({ key: 'key_c', prompt: 10, completion: 10 });
    failNextPublish = true;
    await assert.rejects(sink().write(batchOf(e)), /kafka down/);
    await sink().write(batchOf(e));
    assert.equal(published.entries.length, 1);
    assert.equal(published.entries[0]!.cost_usd, 0.00003);
    assert.equal(await counter('key:key_c', periodAt(DAILY, Date.parse(e.ts)).id), 30_000);
  });

  void it('books a cache hit at 0 with what it saved; the hit response itself is not charged', async () => {
    reset();
    await sink().write(batchOf(response({ key: 'key_d', prompt: 0, completion: 0, cache: 'exact' }), cacheHit('key_d', 'big', 1000, 100)));
    assert.equal(published.entries.length, 1);
    const [entry] = published.entries;
    assert.equal(entry!.source, 'cache');
    assert.equal(entry!.cost_usd, 0);
    assert.equal(entry!.cache_saved_usd, 0.013); // 1000 × $0.00001 + 100 × $0.00003, exact
    assert.deepEqual(entry!.counters, []);
  });

  void it('charges errors only for tokens actually used', async () => {
    reset();
    const trace = newTrace('/v1/chat/completions');
    Object.assign(trace, { keyId: 'key_e', model: 'small', provider: 'mock', deployment: 'small#1' });
    const refused = errorEvent(trace, new GatewayError('upstream_error', 'boom'));
    trace.usage = { prompt_tokens: 50, completion_tokens: 5, total_tokens: 55 };
    const partial = errorEvent(trace, new GatewayError('client_closed_request', 'gone'));
    await sink().write(batchOf(requestEvent(trace, [], false), refused, partial));
    assert.equal(published.entries.length, 1);
    assert.equal(published.entries[0]!.source, 'error');
    assert.equal(published.entries[0]!.cost_usd, 0.00006); // 50 × $0.000001 + 5 × $0.000002
  });

  void it('records what a model swap saved', async () => {
    reset();
    await sink().write(batchOf(response({ key: 'key_f', model: 'small', swappedFrom: 'big', prompt: 1000, completion: 100 })));
    const [entry] = published.entries;
    assert.equal(entry!.requested_model, 'big');
    assert.equal(entry!.cost_usd, 0.0012);
    assert.equal(entry!.swap_saved_usd, 0.0118); // $0.013 on big − $0.0012 on small
  });

  void it('emits each budget threshold crossing once: team budgets from config, key budgets registered by a gateway', async () => {
    reset();
    // team t1: $0.001 per month. Each event costs $0.0003 → crosses 50 % at the 2nd, 80 % at the 3rd, 100 % at the 4th.
    const events = Array.from({ length: 5 }, () => response({ key: 'key_g', team: 't1', prompt: 100, completion: 100 }));
    for (const [i, e] of events.entries()) {
      if (i === 3) {
        // Crash between booking and publishing the event that crosses 100 %: the retry still reports the crossing.
        failNextPublish = true;
        await assert.rejects(sink().write(batchOf(e)), /kafka down/);
      }
      await sink().write(batchOf(e));
    }
    await sink().write(batchOf(...events)); // redelivered: the same alerts again (same ids), nothing new
    const team = published.alerts.filter((a) => a.scope === 'team:t1');
    const unique = new Map(team.map((a) => [a.event_id, a]));
    assert.deepEqual([...unique.values()].map((a) => [a.threshold, a.severity, a.spent_usd, a.trigger_event_id]), [
      [0.5, 'warning', 0.0006, published.entries[1]!.event_id],
      [0.8, 'warning', 0.0009, published.entries[2]!.event_id],
      [1, 'exceeded', 0.0012, published.entries[3]!.event_id],
    ]);
    assert.equal(team[0]!.limit_usd, 0.001);
    assert.equal(team[0]!.duration, 'monthly');
    assert.equal(team[0]!.period, periodAt(MONTHLY, Date.now()).id);

    // A key budget lives in the key store: the gateway registers it with its first reservation.
    const budgets = createBudgets({ redis, prices, settings });
    const r = await budgets.reserve({ holder: { keyId: 'key_h', userId: '', teamId: '', maxBudget: 0.0004, budgetDuration: '1d' }, model: 'small', body: { messages: [{ role: 'user', content: 'x' }], max_tokens: 1 } });
    await r.release();
    reset();
    await sink().write(batchOf(response({ key: 'key_h', prompt: 100, completion: 100 })));
    assert.deepEqual(published.alerts.map((a) => [a.scope, a.threshold, a.duration]), [['key:key_h', 0.5, '1d']]);
  });

  void it('ignores other events and dead-letters garbage', () => {
    const trace = newTrace('/v1/chat/completions');
    assert.deepEqual(decodeLedgerInput(message(requestEvent(trace, [], false))), { ok: true, value: null });
    assert.equal(decodeLedgerInput({ value: Buffer.from('{nope') } as KafkaMessage).ok, false);
    assert.equal(decodeLedgerInput(message({ type: 'response' })).ok, false);
  });

  void it('dead-letters a response or cache hit whose counts no column can hold, instead of charging it', () => {
    // Another producer's event (the gateway's own builder bounds token counts to what the columns hold).
    const huge: ResponseEvent = { ...response({ key: 'key_h', prompt: 1, completion: 1 }), prompt_tokens: 2 ** 33 };
    assert.deepEqual(decodeLedgerInput(message(huge)), { ok: false, reason: '/prompt_tokens: 8589934592 does not fit UInt32' });
    assert.deepEqual(decodeLedgerInput(message(cacheHit('key_h', 'big', 1, 2 ** 40))), { ok: false, reason: '/saved_completion_tokens: 1099511627776 does not fit UInt32' });
    assert.equal(decodeLedgerInput(message(response({ key: 'key_h', prompt: 2 ** 32 - 2, completion: 1 }))).ok, true, 'the largest total that fits');
  });
});
