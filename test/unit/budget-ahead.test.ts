// The budget hold reserved ahead, alongside the cache lookup (gateway/budgets/ahead.ts, gateway/pipeline/):
// both start together and nothing is sent upstream before the hold is confirmed; a refusal is a 429 before the
// provider is called; a cache hit is served (it costs nothing) and gives its hold back; a body the cache changed is
// reserved anew. Stub cache and budget service, the mock provider; and, on the test run's Redis, that commands issued
// between oneWrite's hold and send leave in one write.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { parseConfig, runtimeEnv, type HelixConfig } from '../../lib/config.ts';
import { createRouter } from '../../gateway/app.ts';
import type { GatewayDeps } from '../../gateway/deps.ts';
import type { CostControl } from '../../gateway/budgets/cost-control.ts';
import type { BudgetRequest } from '../../gateway/budgets/budget-service.ts';
import type { Reservation } from '../../gateway/budgets/reservation.ts';
import { oneWrite, sameWorstCase } from '../../gateway/budgets/ahead.ts';
import type { ChatCache } from '../../gateway/cache/chat-cache.ts';
import { GatewayError } from '../../gateway/errors.ts';
import { newFlight } from '../../gateway/pipeline/flight.ts';
import { chatOperation } from '../../gateway/pipeline/operations/chat.ts';
import { runPipeline } from '../../gateway/pipeline/runner.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import type { Principal } from '../../gateway/auth/principal.ts';
import type { ChatCompletion, ChatRequest } from '../../core/llm.ts';

const config: HelixConfig = {
  ...parseConfig({ model_list: [{ model_name: 'm', litellm_params: { model: 'mock/fixed' } }] }, process.env),
  env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test' }),
};
const CACHED: ChatCompletion = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'from the cache' }, finish_reason: 'stop' }],
};
const afterIo = () => new Promise((r) => setImmediate(r));

function setup(opts: { hit?: boolean; refuse?: boolean; changeBody?: (b: ChatRequest) => ChatRequest }) {
  const log: string[] = [];
  const reserved: Array<BudgetRequest['body']> = [];
  let reserveSeenByLookup = false;
  const reservation = (n: number): Reservation => ({
    active: true,
    worstCaseUsd: 1,
    maxOutputTokens: 10,
    settle: async () => void log.push(`settle#${n}`),
    release: async () => void log.push(`release#${n}`),
  });
  const budgets = {
    applies: () => true,
    reserve: (req: BudgetRequest) => {
      reserved.push(req.body);
      const n = reserved.length;
      log.push(`reserve#${n}`);
      return opts.refuse ? Promise.reject(new GatewayError('budget_exceeded', 'Budget exceeded for key k.')) : afterIo().then(() => reservation(n));
    },
  };
  const cache = {
    settings: { enabled: true },
    begin: async (input: { body: ChatRequest }) => {
      log.push('lookup');
      await afterIo(); // a Redis round trip
      reserveSeenByLookup = log.includes('reserve#1');
      const body = opts.changeBody ? opts.changeBody(input.body) : input.body;
      return opts.hit ? { body, status: 'exact', hit: { kind: 'exact', answer: {}, similarity: 1 }, plan: undefined } : { body, status: 'miss', hit: undefined, plan: undefined };
    },
    answer: () => structuredClone(CACHED),
    store: () => undefined,
    collector: () => undefined,
  } as unknown as ChatCache;
  const costControl = { optimizer: { mayChoose: () => true, choose: async () => undefined }, budgets } as unknown as CostControl;
  const router = createRouter(config);
  const call = router.call.bind(router);
  router.call = ((...args: Parameters<typeof call>) => {
    log.push('provider');
    return call(...args);
  }) as typeof router.call;
  const deps = { config, events: { emit: () => undefined }, router, costControl, cache } as unknown as GatewayDeps;
  const res = { setHeader: () => undefined } as unknown as ServerResponse;
  const principal = { keyId: 'k', userId: '', teamId: '', models: [], metadata: {} } as unknown as Principal;
  const caller = (signal: AbortSignal) => ({ headers: {}, res, principal, signal });
  const run = (stream = false) => runPipeline(deps, newFlight(chatOperation, newTrace('chat'), caller(new AbortController().signal), { model: 'm', stream, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
  return { log, reserved, run, reserveSeenByLookup: () => reserveSeenByLookup };
}

void describe('budget hold reserved alongside the cache lookup', () => {
  void it('starts the reservation with the lookup and calls the provider only once it is held', async () => {
    const t = setup({});
    const out = await t.run();
    assert.equal(out.kind, 'completion');
    assert.ok(t.reserveSeenByLookup(), 'the reservation was under way before the lookup finished');
    await afterIo();
    assert.deepEqual(t.log, ['reserve#1', 'lookup', 'provider', 'settle#1']);
  });

  void it('refuses with 429 budget_exceeded on a miss before anything is sent upstream', async () => {
    const t = setup({ refuse: true });
    await assert.rejects(t.run(), (err: unknown) => err instanceof GatewayError && err.code === 'budget_exceeded');
    await assert.rejects(t.run(true), (err: unknown) => err instanceof GatewayError && err.code === 'budget_exceeded');
    assert.ok(!t.log.includes('provider'), t.log.join(','));
  });

  void it('serves a cache hit and releases its hold (a hit costs nothing)', async () => {
    const t = setup({ hit: true });
    const out = await t.run();
    assert.equal(out.kind === 'completion' && out.value.choices[0]?.message.content, 'from the cache');
    await afterIo();
    await afterIo();
    assert.deepEqual(t.log, ['reserve#1', 'lookup', 'release#1']);
  });

  void it('serves a cache hit even when the budget is spent, as before', async () => {
    const t = setup({ hit: true, refuse: true });
    const out = await t.run(true);
    assert.equal(out.kind, 'stream');
    if (out.kind === 'stream') for await (const _chunk of out.chunks) void _chunk;
    assert.ok(!t.log.includes('provider'));
  });

  void it('reserves anew, after releasing the first hold, when the body sent upstream may cost more', async () => {
    const t = setup({ changeBody: (b) => ({ ...b, max_tokens: 1000 }) });
    await t.run();
    await afterIo();
    assert.deepEqual(t.log, ['reserve#1', 'lookup', 'release#1', 'reserve#2', 'provider', 'settle#2']);
    assert.equal(t.reserved[1]?.max_tokens, 1000);
  });

  void it('compares bodies by what the worst case reads', () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    assert.ok(sameWorstCase({ messages, max_tokens: 5 }, { messages, max_tokens: 5 }));
    assert.ok(!sameWorstCase({ messages, max_tokens: 5 }, { messages, max_tokens: 6 }));
    assert.ok(!sameWorstCase({ messages, n: 1 }, { messages, n: 2 }));
    assert.ok(!sameWorstCase({ messages }, { messages: [...messages] }));
  });

  void it('sends the commands issued between hold and send in one write', { skip: !process.env.HELIX_REDIS_URL && 'HELIX_REDIS_URL not set' }, async () => {
    const redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    try {
      await redis.ping();
      const stream = redis.stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
      let writes = 0;
      for (const m of ['_write', '_writev'] as const) {
        const orig = stream[m].bind(stream);
        stream[m] = (...a: unknown[]) => {
          writes++;
          orig(...a);
        };
      }
      const writes1 = oneWrite(redis);
      writes1.hold();
      const [a, b] = [redis.ping('a'), redis.ping('b')];
      writes1.send();
      assert.deepEqual([await a, await b], ['a', 'b']);
      assert.equal(writes, 1);
      writes = 0;
      await Promise.all([redis.ping('c'), redis.ping('d')]);
      assert.equal(writes, 2, 'without it, one write per command');
    } finally {
      redis.disconnect();
    }
  });
});
