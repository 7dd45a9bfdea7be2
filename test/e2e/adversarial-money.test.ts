// Adversarial suite (issue 12), part 3: money.
// - Bypass: a key whose budget is spent gets 429 budget_exceeded on EVERY endpoint (chat, completions, embeddings,
//   responses, messages — Anthropic's error shape there), streaming or not, and nothing reaches the provider.
// - count_tokens is not billable: it never books spend.
// - Overspend: requests fired at once across every endpoint at a small budget never book more than the budget.
// - Disconnect: a client that hangs up mid-stream is charged (the provider bills the prompt and what it generated).
// - max_tokens: a budgeted request without max_tokens is sent upstream with one (so it cannot exceed its hold).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { nanoFromDecimal } from '../../core/money.ts';
import { TEST_PRICES, testModelList, type TrafficKey } from '../helpers/traffic.ts';
import { startFakeOpenAI, type FakeUpstream, type SseEventSpec } from '../helpers/fake-upstreams.ts';
import { waitFor } from '../helpers/processes.ts';
import {
  MASTER,
  anthropicErrorProblem,
  call,
  describeResult,
  missingResponseRows,
  openAiErrorProblem,
  pool,
  sqlString,
  startStack,
  type AdversarialStack,
  type HttpResult,
} from '../helpers/adversarial.ts';

const DEFAULT_MAX_TOKENS = 256;
const config = (openaiUrl: string) => ({
  model_list: [
    ...testModelList(),
    { model_name: 'recorded', litellm_params: { model: 'openai/gpt-4o', api_base: `${openaiUrl}/v1`, api_key: 'sk-upstream', ...TEST_PRICES } },
    // An OpenAI-compatible chat upstream that is not OpenAI: /v1/responses is translated to chat for it.
    { model_name: 'recorded-chat', litellm_params: { model: 'hosted_vllm/gpt-4o', api_base: `${openaiUrl}/v1`, api_key: 'sk-upstream', ...TEST_PRICES } },
  ],
  helix_settings: {
    semantic_cache: { semantic_enabled: false },
    budgets: { redis_prefix: `adv-money-${randomBytes(4).toString('hex')}:`, redis_timeout_ms: 2000, default_max_tokens: DEFAULT_MAX_TOKENS },
  },
});
const NO_STORE = { 'cache-control': 'no-store' };

type Endpoint = { name: string; path: string; body: (model: string, prompt: string) => Record<string, unknown> };
const ENDPOINTS: Endpoint[] = [
  { name: '/v1/chat/completions', path: '/v1/chat/completions', body: (model, p) => ({ model, messages: [{ role: 'user', content: p }], max_tokens: 16 }) },
  { name: '/v1/chat/completions stream', path: '/v1/chat/completions', body: (model, p) => ({ model, stream: true, messages: [{ role: 'user', content: p }], max_tokens: 16 }) },
  { name: '/v1/completions', path: '/v1/completions', body: (model, p) => ({ model, prompt: p, max_tokens: 16 }) },
  { name: '/v1/completions stream', path: '/v1/completions', body: (model, p) => ({ model, prompt: p, stream: true, max_tokens: 16 }) },
  { name: '/v1/embeddings', path: '/v1/embeddings', body: (model, p) => ({ model, input: p }) },
  { name: '/v1/messages', path: '/v1/messages', body: (model, p) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: p }] }) },
  { name: '/v1/messages stream', path: '/v1/messages', body: (model, p) => ({ model, max_tokens: 16, stream: true, messages: [{ role: 'user', content: p }] }) },
  { name: '/v1/responses', path: '/v1/responses', body: (model, p) => ({ model, input: p, max_output_tokens: 16 }) },
  { name: '/v1/responses stream', path: '/v1/responses', body: (model, p) => ({ model, stream: true, input: [{ role: 'user', content: [{ type: 'input_text', text: p }] }], max_output_tokens: 16 }) },
];

describe('adversarial: money', () => {
  let stack: AdversarialStack;
  let openai: FakeUpstream;

  before(async () => {
    openai = await startFakeOpenAI();
    stack = await startStack(config(openai.url));
  });
  after(async () => {
    await stack?.stop();
    await openai?.close();
  });

  /** The ledger's entries for a key: how many, and their cost in nano-USD. */
  const ledger = async (where: string): Promise<{ n: number; nano: number }> => {
    const [row] = await stack.sql<{ n: string | number; cost: string }>(`SELECT count() AS n, toString(sum(cost_usd)) AS cost FROM helix.ledger_entries FINAL WHERE ${where}`);
    return { n: Number(row?.n ?? 0), nano: nanoFromDecimal(row?.cost ?? '0') };
  };

  // ---------------------------------------------------------------------------------------------------------------
  describe('bypass: a spent budget refuses every endpoint', () => {
    let spent: TrafficKey;

    before(async () => {
      spent = await stack.key({ max_budget: 1, budget_duration: '1d' });
      for (let i = 0; i < 2; i++) {
        const r = await call(stack.url, '/v1/chat/completions', { model: 'mock/fixed', messages: [{ role: 'user', content: `spend ${i}` }], max_tokens: 16 }, { key: spent.key, headers: NO_STORE });
        assert.equal(r.status, 200, describeResult(r));
      }
      const booked = await waitFor('the ledger to book the spend', async () => {
        const l = await ledger(`key_id = ${sqlString(spent.keyId)}`);
        return l.n >= 2 && l.nano > 0 ? l : undefined;
      }, 30_000, 300);
      // The limit drops below what was spent: the budget is exhausted, whatever a request would cost.
      const update = await call(stack.url, '/key/update', { key: spent.keyId, max_budget: booked.nano / 2 / 1e9 }, { key: MASTER });
      assert.equal(update.status, 200, describeResult(update));
      await waitFor('the chat route to refuse the spent key', async () => {
        const r = await call(stack.url, '/v1/chat/completions', { model: 'mock/fixed', messages: [{ role: 'user', content: 'probe' }], max_tokens: 16 }, { key: spent.key, headers: NO_STORE });
        return r.status === 429;
      }, 15_000, 250);
    });

    for (const e of ENDPOINTS) {
      it(`${e.name}: 429 budget_exceeded in the endpoint's error shape, nothing sent upstream`, async () => {
        const upstreamBefore = openai.requests.length;
        const r = await call(stack.url, e.path, e.body('recorded', 'what does this cost?'), { key: spent.key, headers: NO_STORE, timeoutMs: 15_000 });
        assert.equal(r.status, 429, `${e.name}: ${describeResult(r)}`);
        if (e.path === '/v1/messages') {
          assert.equal(anthropicErrorProblem(r.text), undefined, r.text);
          assert.match((JSON.parse(r.text) as { error: { message: string } }).error.message, /budget/i);
        } else {
          assert.equal(openAiErrorProblem(r.text), undefined, r.text);
          const err = (JSON.parse(r.text) as { error: { code: string; type: string } }).error;
          assert.equal(err.code, 'budget_exceeded', r.text);
        }
        assert.equal(openai.requests.length, upstreamBefore, 'the provider was called for a key without budget');
      });
    }
  });

  // ---------------------------------------------------------------------------------------------------------------
  it('overspend: 70 requests at once across every endpoint never book more than a small budget', async () => {
    // ~500 prompt tokens each (distinct words): a handful of requests fill the budget.
    const prompt = Array.from({ length: 250 }, (_, i) => `w${i}x`).join(' ');
    const budgetUsd = 0.02;
    const key = await stack.key({ max_budget: budgetUsd, budget_duration: '1d' });
    const calls = Array.from({ length: 70 }, (_, i) => ENDPOINTS[i % ENDPOINTS.length]!);
    const results = await pool(calls, 35, (e) => call(stack.url, e.path, e.body('mock/fixed', prompt), { key: key.key, headers: NO_STORE, timeoutMs: 30_000 }).then((r) => ({ e, r })));
    const statuses = results.map(({ e, r }) => `${e.name}:${r.status}`);
    assert.ok(results.every(({ r }) => r.status === 200 || r.status === 429), `statuses: ${[...new Set(statuses)].join(', ')}`);
    const ok = results.filter(({ r }) => r.status === 200);
    assert.ok(ok.length > 0, 'some requests fit the budget');
    // Everything served is booked, then the booked total is compared with the budget.
    const ids = ok.map(({ r }) => r.headers.get('x-request-id') ?? '');
    assert.deepEqual(await missingResponseRows(stack, ids, 30_000), [], 'every served request reached helix.responses');
    const booked = await waitFor('the ledger to book every served request', async () => {
      const l = await ledger(`key_id = ${sqlString(key.keyId)}`);
      return l.n >= ok.length ? l : undefined;
    }, 30_000, 500).catch(async () => ledger(`key_id = ${sqlString(key.keyId)}`));
    const served = [...new Set(ok.map(({ e }) => e.name))].join(', ');
    assert.ok(booked.nano <= budgetUsd * 1e9, `booked $${(booked.nano / 1e9).toFixed(6)} on a $${budgetUsd} budget (${ok.length} served: ${served})`);
    assert.equal(booked.n, ok.length, 'every served request is in the ledger');
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('disconnect mid-stream: the client is charged for what the provider billed', () => {
    const chatChunk = (delta: Record<string, unknown>, finish: string | null = null): SseEventSpec => ({
      data: { id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] },
    });
    const textChunk = (text: string, finish: string | null = null): SseEventSpec => ({
      data: { id: 'cmpl-slow', object: 'text_completion', created: 1_700_000_000, model: 'gpt-4o', choices: [{ index: 0, text, finish_reason: finish, logprobs: null }] },
    });
    const words = ['The', ' answer', ' to', ' your', ' question', ' is', ' long', ' and', ' it', ' keeps', ' going'];
    const cases: Array<{ name: string; path: string; body: Record<string, unknown>; events: SseEventSpec[] }> = [
      {
        name: '/v1/chat/completions',
        path: '/v1/chat/completions',
        body: { model: 'recorded', stream: true, messages: [{ role: 'user', content: 'Tell me a long story about budgets' }] },
        events: [chatChunk({ role: 'assistant', content: '' }), ...words.map((w) => chatChunk({ content: w })), chatChunk({}, 'stop'), { data: '[DONE]' }],
      },
      {
        name: '/v1/messages',
        path: '/v1/messages',
        body: { model: 'recorded', stream: true, max_tokens: 200, messages: [{ role: 'user', content: 'Tell me a long story about budgets' }] },
        events: [chatChunk({ role: 'assistant', content: '' }), ...words.map((w) => chatChunk({ content: w })), chatChunk({}, 'stop'), { data: '[DONE]' }],
      },
      {
        name: '/v1/responses',
        path: '/v1/responses',
        body: { model: 'recorded-chat', stream: true, max_output_tokens: 200, input: 'Tell me a long story about budgets' },
        events: [chatChunk({ role: 'assistant', content: '' }), ...words.map((w) => chatChunk({ content: w })), chatChunk({}, 'stop'), { data: '[DONE]' }],
      },
      {
        name: '/v1/completions',
        path: '/v1/completions',
        body: { model: 'recorded', stream: true, max_tokens: 200, prompt: 'Tell me a long story about budgets' },
        events: [...words.map((w) => textChunk(w)), textChunk('', 'stop'), { data: '[DONE]' }],
      },
    ];

    for (const c of cases) {
      it(`${c.name}: a client that hangs up after a few chunks is charged more than $0`, async () => {
        const key = await stack.key({ max_budget: 5, budget_duration: '1d' });
        let release: () => void = () => undefined;
        const until = new Promise<void>((r) => (release = r));
        openai.enqueue({ kind: 'sse', events: c.events, hold: { afterEvents: 6, until } });
        const abort = new AbortController();
        let requestId = '';
        let received = '';
        try {
          const res = await fetch(`${stack.url}${c.path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', ...NO_STORE },
            body: JSON.stringify(c.body),
            signal: AbortSignal.any([abort.signal, AbortSignal.timeout(15_000)]),
          });
          if (res.status !== 200) assert.fail(`${res.status}: ${await res.text().catch(() => '')}`);
          requestId = res.headers.get('x-request-id') ?? '';
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          // Read until some of the answer arrived (the upstream then holds the rest back), then hang up.
          while (!/answer/.test(received)) {
            const { value, done } = await reader.read();
            if (done) break;
            received += decoder.decode(value, { stream: true });
          }
          abort.abort();
        } finally {
          release();
        }
        assert.match(received, /answer/, 'the client saw part of the answer before hanging up');
        assert.ok(requestId, 'x-request-id');
        assert.deepEqual(await missingResponseRows(stack, [requestId], 20_000), [], 'the cut-short request reached helix.responses');
        const [row] = await stack.sql<{ type: string; error_type: string; prompt_tokens: number; completion_tokens: number }>(
          `SELECT type, error_type, prompt_tokens, completion_tokens FROM helix.responses WHERE request_id = ${sqlString(requestId)} LIMIT 1`,
        );
        const charged = await waitFor('a ledger entry for the cut-short request', async () => {
          const l = await ledger(`request_id = ${sqlString(requestId)}`);
          return l.nano > 0 ? l : undefined;
        }, 12_000, 500).catch(async () => ledger(`request_id = ${sqlString(requestId)}`));
        assert.ok(charged.nano > 0, `charged $${charged.nano / 1e9} (${charged.n} ledger entries; responses row: ${JSON.stringify(row)})`);
      });
    }
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('max_tokens: a budgeted request without one is bounded upstream', () => {
    const sentLimit = (body: Record<string, unknown>): unknown => body.max_tokens ?? body.max_completion_tokens;
    const cases: Array<{ name: string; path: string; body: Record<string, unknown> }> = [
      { name: '/v1/chat/completions', path: '/v1/chat/completions', body: { model: 'recorded', messages: [{ role: 'user', content: 'no limit given' }] } },
      { name: '/v1/chat/completions stream', path: '/v1/chat/completions', body: { model: 'recorded', stream: true, messages: [{ role: 'user', content: 'no limit given' }] } },
      { name: '/v1/completions', path: '/v1/completions', body: { model: 'recorded', prompt: 'no limit given' } },
      { name: '/v1/completions stream', path: '/v1/completions', body: { model: 'recorded', prompt: 'no limit given', stream: true } },
      { name: '/v1/responses', path: '/v1/responses', body: { model: 'recorded-chat', input: 'no limit given' } },
      { name: '/v1/responses stream', path: '/v1/responses', body: { model: 'recorded-chat', input: 'no limit given', stream: true } },
    ];
    let key: TrafficKey;
    before(async () => {
      key = await stack.key({ max_budget: 5, budget_duration: '1d' });
    });

    for (const c of cases) {
      it(`${c.name}: the provider receives max_tokens (at most default_max_tokens = ${DEFAULT_MAX_TOKENS})`, async () => {
        const before = openai.requests.length;
        const r: HttpResult = await call(stack.url, c.path, c.body, { key: key.key, headers: NO_STORE, timeoutMs: 15_000 });
        assert.equal(r.status, 200, describeResult(r));
        assert.equal(openai.requests.length, before + 1, 'one upstream call');
        const limit = sentLimit(openai.last().body);
        assert.ok(Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= DEFAULT_MAX_TOKENS, `upstream max_tokens: ${JSON.stringify(limit)}`);
      });
    }

    it("a client's own max_tokens is passed on unchanged", async () => {
      const r = await call(stack.url, '/v1/chat/completions', { model: 'recorded', max_tokens: 7, messages: [{ role: 'user', content: 'seven' }] }, { key: key.key, headers: NO_STORE });
      assert.equal(r.status, 200, describeResult(r));
      assert.equal(sentLimit(openai.last().body), 7);
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  it('count_tokens is not billable: many counts book nothing, the next billable request books exactly one entry', async () => {
    const key = await stack.key({ max_budget: 5, budget_duration: '1d' });
    const prompt = Array.from({ length: 250 }, (_, i) => `c${i}t`).join(' ');
    const counts = await pool(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'recorded' : 'mock/fixed')), 10, (model) =>
      call(stack.url, '/v1/messages/count_tokens', { model, messages: [{ role: 'user', content: prompt }] }, { key: key.key, headers: NO_STORE, timeoutMs: 15_000 }),
    );
    for (const r of counts) {
      assert.equal(r.status, 200, describeResult(r));
      const tokens = (JSON.parse(r.text) as { input_tokens?: unknown }).input_tokens;
      assert.ok(Number.isInteger(tokens) && (tokens as number) > 0, r.text);
    }
    // A billable request after the counts: once the ledger has booked it, anything the counts booked would be there too.
    const r = await call(stack.url, '/v1/chat/completions', { model: 'mock/fixed', messages: [{ role: 'user', content: 'billable' }], max_tokens: 16 }, { key: key.key, headers: NO_STORE });
    assert.equal(r.status, 200, describeResult(r));
    const booked = await waitFor('the ledger to book the billable request', async () => {
      const l = await ledger(`key_id = ${sqlString(key.keyId)}`);
      return l.n >= 1 ? l : undefined;
    }, 30_000, 300);
    const entries = await stack.sql<{ request_id: string }>(`SELECT request_id FROM helix.ledger_entries FINAL WHERE key_id = ${sqlString(key.keyId)}`);
    assert.deepEqual(entries.map((e) => e.request_id), [r.headers.get('x-request-id')], `ledger entries for the key (${booked.n}): only the billable request`);
  });

  it('the gateway is still live and serving after all of it', async () => {
    const r = await call(stack.url, '/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'still here' }] }, { key: MASTER });
    assert.equal(r.status, 200, describeResult(r));
  });
});
