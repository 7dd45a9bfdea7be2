// Budget reservations on the test run's real Redis: exact under 200 concurrent requests (one or two "gateways"),
// settle → pending → booked by the ledger without double counting (in either order), release, expiry of a dead
// gateway's hold, refusal shape, and Redis down (fail closed by default, fail open when configured).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedis, scanKeys, unlinkKeys, type RedisClient as Redis } from '../../lib/redis.ts';
import { PriceBook } from '../../core/prices.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { budgetSettings } from '../../schemas/config/budgets.ts';
import { createBudgets, type BudgetService } from '../../gateway/budgets/budget-service.ts';
import type { Reservation } from '../../gateway/budgets/reservation.ts';
import { BudgetStore } from '../../core/budgets/store.ts';
import { DAILY, periodAt } from '../../core/budgets/periods.ts';
import type { ChargeableEvent } from '../../core/budgets/charge.ts';
import { GatewayError, openAiErrorBody } from '../../gateway/errors.ts';
import type { ModelEntry } from '../../schemas/config.ts';

const url = process.env.HELIX_REDIS_URL;
const prefix = `test-budget-${randomBytes(4).toString('hex')}:`;
const client = () => createRedis(url!, { maxRetriesPerRequest: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MODEL_LIST: ModelEntry[] = [{ model_name: 'mock/fixed', litellm_params: { model: 'mock/fixed', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } }];
const prices = new PriceBook(MODEL_LIST);
const messages = [{ role: 'user' as const, content: 'ping' }];
const PROMPT = countChatPromptTokens(messages);
const MAX_OUT = 10;
const WORST_NANO = PROMPT * 1000 + MAX_OUT * 2000;
const body = { messages, max_tokens: MAX_OUT };

let keySeq = 0;
const holder = (maxBudget: number) => ({ keyId: `key_${++keySeq}_${randomBytes(2).toString('hex')}`, alias: '', userId: '', teamId: '', maxBudget, budgetDuration: '1d' });

function responseEvent(completionTokens: number): ChargeableEvent {
  return { event_id: randomUUID(), type: 'response', ts: new Date().toISOString(), model: 'mock/fixed', provider: 'mock', deployment: 'mock/fixed#0', prompt_tokens: PROMPT, completion_tokens: completionTokens, cache: 'none' };
}

async function reserveMany(budgets: BudgetService[], h: ReturnType<typeof holder>, n: number) {
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => budgets[i % budgets.length]!.reserve({ holder: h, model: 'mock/fixed', body })));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  return { ok, refused };
}

void describe('budget reservations (Lua, real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let a: Redis;
  let b: Redis;
  let budgets: BudgetService;
  let store: BudgetStore;
  const settings = budgetSettings({ redis_prefix: prefix });

  before(async () => {
    a = client();
    b = client();
    await Promise.all([a.ping(), b.ping()]);
    budgets = createBudgets({ redis: a, prices, settings });
    store = new BudgetStore(b, prefix);
  });
  after(async () => {
    await unlinkKeys(a, await scanKeys(a, `${prefix}*`));
    a.disconnect();
    b.disconnect();
  });

  /** What the ledger does for one settled event (see consumers/ledger): book it into the key's daily counter. */
  const book = async (h: ReturnType<typeof holder>, event: ChargeableEvent, amountNano: number) =>
    (await store.book([{ eventId: event.event_id, amountNano, pendingScopes: [`key:${h.keyId}`], counters: [{ scope: `key:${h.keyId}`, periodId: periodAt(DAILY, Date.now()).id, ttlSeconds: 600 }] }], 600))[0]!;

  void it('admits exactly N of 200 concurrent requests when the budget covers N worst cases', async () => {
    const h = holder((37 * WORST_NANO) / 1e9);
    const { ok, refused } = await reserveMany([budgets], h, 200);
    assert.equal(ok.length, 37);
    assert.equal(refused.length, 163);
    const err = refused[0] as GatewayError;
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 429);
    assert.equal(err.extra.retryAfterSeconds, 1, 'refused by requests in flight: retry soon');
    assert.match(err.message, /^Budget exceeded for key key_\d+_[0-9a-f]+: \$0\.00 spent and \$[\d.]+ reserved by requests in flight of \$[\d.]+ \(per 1d, resets .*\); this request may cost up to \$[\d.]+\.$/);
    assert.deepEqual(Object.keys(openAiErrorBody(err).error), ['message', 'type', 'param', 'code']);
    assert.equal(openAiErrorBody(err).error.code, 'budget_exceeded');
    await Promise.all(ok.map((r) => r.release()));
  });

  void it('holds across two gateways (two independent Redis clients)', async () => {
    const other = createBudgets({ redis: b, prices, settings });
    const h = holder((25 * WORST_NANO) / 1e9);
    const { ok } = await reserveMany([budgets, other], h, 200);
    assert.equal(ok.length, 25);
    await Promise.all(ok.map((r) => r.release()));
  });

  void it('settles to the actual cost, which the ledger books once — never counted twice or dropped', async () => {
    const h = holder((10 * WORST_NANO) / 1e9);
    const actualNano = PROMPT * 1000 + 4 * 2000;
    const r = await budgets.reserve({ holder: h, model: 'mock/fixed', body });
    let [s] = await budgets.status(h);
    assert.equal(s!.heldUsd, WORST_NANO / 1e9, 'worst case held while in flight');

    const event = responseEvent(4);
    await r.settle(event);
    [s] = await budgets.status(h);
    assert.equal(s!.heldUsd, actualNano / 1e9, 'actual cost pending until the ledger books it');
    assert.equal(s!.spentUsd, 0);

    const first = await book(h, event, actualNano);
    assert.equal(first.fresh, true);
    [s] = await budgets.status(h);
    assert.deepEqual([s!.spentUsd, s!.heldUsd], [actualNano / 1e9, 0]);

    const again = await book(h, event, actualNano);
    assert.equal(again.fresh, false, 'a redelivered event is not booked again');
    [s] = await budgets.status(h);
    assert.equal(s!.spentUsd, actualNano / 1e9);
    await r.settle(event); // idempotent
    [s] = await budgets.status(h);
    assert.deepEqual([s!.spentUsd, s!.heldUsd], [actualNano / 1e9, 0]);
  });

  void it('leaves nothing pending when the ledger books the event before the gateway settles it', async () => {
    const h = holder(1);
    const r = await budgets.reserve({ holder: h, model: 'mock/fixed', body });
    const event = responseEvent(4);
    await book(h, event, 1234);
    await r.settle(event);
    const [s] = await budgets.status(h);
    assert.deepEqual([s!.spentUsd, s!.heldUsd], [1234 / 1e9, 0]);
  });

  void it('releases a failed request and frees the budget', async () => {
    const h = holder(WORST_NANO / 1e9);
    const r = await budgets.reserve({ holder: h, model: 'mock/fixed', body });
    await assert.rejects(budgets.reserve({ holder: h, model: 'mock/fixed', body }), /Budget exceeded/);
    await r.release();
    const again = await budgets.reserve({ holder: h, model: 'mock/fixed', body });
    assert.equal(again.active, true);
    await again.release();
  });

  void it("expires a dead gateway's reservation", async () => {
    const short = createBudgets({ redis: a, prices, settings: budgetSettings({ redis_prefix: prefix, reservation_ttl_seconds: 1 }) });
    const h = holder(WORST_NANO / 1e9);
    await short.reserve({ holder: h, model: 'mock/fixed', body }); // never settled: its gateway "died"
    await assert.rejects(short.reserve({ holder: h, model: 'mock/fixed', body }), /Budget exceeded/);
    await sleep(1100);
    const r = await short.reserve({ holder: h, model: 'mock/fixed', body });
    assert.equal(r.active, true);
    await r.release();
  });

  void it('refuses with Retry-After until the reset once spend alone leaves no room', async () => {
    const h = holder(WORST_NANO / 1e9);
    await book(h, responseEvent(1), WORST_NANO - 1);
    const err = await budgets.reserve({ holder: h, model: 'mock/fixed', body }).then(
      () => undefined,
      (e: unknown) => e as GatewayError,
    );
    assert.ok(err);
    const untilMidnight = Math.ceil((periodAt(DAILY, Date.now()).endMs - Date.now()) / 1000);
    assert.ok(Math.abs(err.extra.retryAfterSeconds! - untilMidnight) <= 2, `retry-after ${err.extra.retryAfterSeconds} vs ${untilMidnight}`);
    assert.ok((await budgets.usedFraction(h))! > 0.99);
  });

  void it('does nothing for callers without a budget', async () => {
    const r: Reservation = await budgets.reserve({ holder: { keyId: 'key_free', userId: '', teamId: '' }, model: 'mock/fixed', body });
    assert.equal(r.active, false);
    assert.equal(await budgets.usedFraction({ keyId: 'key_free', userId: '', teamId: '' }), undefined);
  });

  void it('fails closed when Redis is unreachable (fail_open: false), open when configured', async () => {
    const dead = createRedis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => undefined);
    try {
      const closed = createBudgets({ redis: dead, prices, settings: budgetSettings({ redis_prefix: prefix, redis_timeout_ms: 100 }) });
      await assert.rejects(closed.reserve({ holder: holder(1), model: 'mock/fixed', body }), (err: GatewayError) => err.code === 'budget_exceeded' && err.extra.retryAfterSeconds === 1);
      const open = createBudgets({ redis: dead, prices, settings: budgetSettings({ redis_prefix: prefix, redis_timeout_ms: 100, fail_open: true }) });
      assert.equal((await open.reserve({ holder: holder(1), model: 'mock/fixed', body })).active, false);
    } finally {
      dead.disconnect();
    }
  });
});
