// OpenAI, the OpenAI-compatible family and Azure OpenAI against a loopback fake upstream (real adapter code paths).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { openaiProvider, openaiAdapters, OPENAI_COMPATIBLE_PROVIDERS } from '../../gateway/providers/openai/adapter.ts';
import { azureProvider, AZURE_DEFAULT_API_VERSION } from '../../gateway/providers/azure/adapter.ts';
import { adapterFor } from '../../gateway/providers/registry.ts';
import { deploymentsFrom } from '../../core/deployments.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { Router } from '../../gateway/routing/router.ts';
import { closePools } from '../../gateway/providers/shared/http.ts';
import type { ChatCompletionChunk, ChatRequest } from '../../core/llm.ts';
import { assemble, collect, FAKE_OPENAI_TOOL_ARGS, isUpstream, startFakeOpenAI, testCallContext, type FakeUpstream, type TestCallOptions } from '../helpers/fake-upstreams.ts';

const UNICODE = 'héllo wörld ✓ 🌍 — 日本語';

const TOOLS = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] }, strict: true },
  },
];

function chatReq(over: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: UNICODE }], ...over };
}

describe('openai adapter', () => {
  let fake: FakeUpstream;
  let ctxOpts: (o?: TestCallOptions) => TestCallOptions;
  before(async () => {
    fake = await startFakeOpenAI();
    ctxOpts = (o = {}) => ({ ...o, params: { api_base: `${fake.url}/v1`, api_key: 'sk-test', ...o.params } });
  });
  after(async () => {
    await fake.close();
    await closePools();
  });
  const trace = (o?: TestCallOptions) => testCallContext('openai/gpt-4o-mini', ctxOpts(o));

  it('chat: sends the canonical request with auth and returns the completion', async () => {
    const res = await openaiProvider.chat(chatReq({ model: 'alias-from-client' }), trace());
    assert.equal(res.choices[0]?.message.content, `Echo: ${UNICODE}`);
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok(res.usage && res.usage.total_tokens > 0);
    const req = fake.last();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, 'Bearer sk-test');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.body.model, 'gpt-4o-mini', 'the upstream model name replaces the client-facing one');
    assert.equal(req.body.stream, undefined);
    assert.equal(req.body.stream_options, undefined);
  });

  it('chat: passes tools, tool_choice, parallel_tool_calls, response_format, n, stop, seed, logprobs through untouched', async () => {
    const passthrough = {
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object', properties: { t: { type: 'number' } } }, strict: true } },
      n: 2,
      stop: ['\n\n', 'END'],
      seed: 42,
      logprobs: true,
      top_logprobs: 3,
      temperature: 1.5,
      max_completion_tokens: 99,
      user: 'u-1',
      metadata: { a: 'b' },
      reasoning_effort: 'low',
    };
    const res = await openaiProvider.chat(chatReq(passthrough), trace());
    const body = fake.last().body;
    for (const [k, v] of Object.entries(passthrough)) assert.deepEqual(body[k], v, k);
    assert.deepEqual(body.messages, chatReq().messages);
    assert.equal(res.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(res.choices[0]?.message.tool_calls, [{ id: 'call_fake1', type: 'function', function: { name: 'get_weather', arguments: FAKE_OPENAI_TOOL_ARGS } }]);
  });

  it('chat: strips Anthropic-only cache_control / thinking_blocks from messages and tools', async () => {
    await openaiProvider.chat(
      chatReq({
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }] },
          { role: 'assistant', content: 'prev', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] },
          { role: 'user', content: 'hi', cache_control: { type: 'ephemeral' } },
        ],
        tools: [{ ...TOOLS[0], cache_control: { type: 'ephemeral' } }],
      }),
      trace(),
    );
    const body = fake.last().body;
    assert.deepEqual(body.messages, [
      { role: 'system', content: [{ type: 'text', text: 'sys' }] },
      { role: 'assistant', content: 'prev' },
      { role: 'user', content: 'hi' },
    ]);
    assert.deepEqual(body.tools, TOOLS);
  });

  it('chat: a max_tokens cap reaches reasoning models as max_completion_tokens, others as sent', async () => {
    await openaiProvider.chat(chatReq({ max_tokens: 64 }), testCallContext('openai/o3-mini', ctxOpts()));
    assert.deepEqual([fake.last().body.max_tokens, fake.last().body.max_completion_tokens], [undefined, 64]);
    await openaiProvider.chat(chatReq({ max_tokens: 64 }), trace());
    assert.deepEqual([fake.last().body.max_tokens, fake.last().body.max_completion_tokens], [64, undefined]);
  });

  it('chatStream: always asks for usage upstream, reassembles awkwardly split UTF-8, last chunk carries usage', async () => {
    const chunks = await collect(openaiProvider.chatStream(chatReq({ stream: true, stream_options: { include_usage: false } }), trace()));
    const body = fake.last().body;
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    const out = assemble(chunks);
    assert.equal(out.content, `Echo: ${UNICODE}`);
    assert.equal(out.finish, 'stop');
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage && last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
  });

  it('chatStream: yields chunk by chunk while the upstream is still streaming (no buffering)', async () => {
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    const chunk = (content: string, finish: string | null = null) => ({ data: { ...base, choices: [{ index: 0, delta: { content }, finish_reason: finish }] } });
    fake.enqueue({ kind: 'sse', hold: { afterEvents: 2, until }, events: [chunk('one'), chunk(' two'), chunk(' three', 'stop'), { data: { ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } } }, { data: '[DONE]' }] });
    const iter = openaiProvider.chatStream(chatReq(), trace())[Symbol.asyncIterator]();
    const first = await iter.next();
    const second = await iter.next();
    assert.equal(first.done ? '' : first.value.choices[0]?.delta.content, 'one');
    assert.equal(second.done ? '' : second.value.choices[0]?.delta.content, ' two');
    // The upstream has not sent the rest yet — we got these chunks while it was still holding.
    release();
    const rest: ChatCompletionChunk[] = [];
    for (let n = await iter.next(); !n.done; n = await iter.next()) rest.push(n.value);
    assert.equal(rest[0]?.choices[0]?.delta.content, ' three');
    assert.deepEqual(rest[1]?.usage, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
  });

  it('chatStream: tool calls stream through (id/name first, then argument fragments)', async () => {
    const chunks = await collect(openaiProvider.chatStream(chatReq({ tools: TOOLS, tool_choice: 'auto', parallel_tool_calls: true }), trace()));
    const body = fake.last().body;
    assert.deepEqual(body.tools, TOOLS);
    assert.equal(body.tool_choice, 'auto');
    assert.equal(body.parallel_tool_calls, true);
    const out = assemble(chunks);
    assert.deepEqual(out.tools, [{ id: 'call_fake1', name: 'get_weather', arguments: FAKE_OPENAI_TOOL_ARGS }]);
    assert.equal(out.finish, 'tool_calls');
    assert.ok(out.usage);
  });

  it('chatStream: an upstream without stream usage still yields a final (estimated) usage chunk', async () => {
    const plain = await startFakeOpenAI({ noStreamUsage: true });
    try {
      const chunks = await collect(openaiProvider.chatStream(chatReq(), testCallContext('openai/gpt-4o-mini', { params: { api_base: `${plain.url}/v1` } })));
      const last = chunks[chunks.length - 1]!;
      assert.deepEqual(last.choices, []);
      assert.ok(last.usage && last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
      assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
    } finally {
      await plain.close();
    }
  });

  it('errors: 429 with Retry-After → UpstreamError(429, retryAfterMs, type, code)', async () => {
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '7' }, body: { error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
    await assert.rejects(openaiProvider.chat(chatReq(), trace()), isUpstream(429, (e) => e.options.retryAfterMs === 7000 && e.options.type === 'requests' && e.options.code === 'rate_limit_exceeded' && /Rate limit/.test(e.message)));
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after-ms': '250' }, body: { error: { message: 'slow down' } } });
    await assert.rejects(openaiProvider.chat(chatReq(), trace()), isUpstream(429, (e) => e.options.retryAfterMs === 250));
  });

  it('errors: 500 and 400 keep status and message; streams fail on the first next() (router can still retry)', async () => {
    fake.enqueue({ kind: 'json', status: 500, body: { error: { message: 'The server had an error', type: 'server_error' } } });
    await assert.rejects(openaiProvider.chat(chatReq(), trace()), isUpstream(500, (e) => e.message === 'The server had an error'));
    fake.enqueue({ kind: 'json', status: 400, body: { error: { message: "Invalid value for 'n'", type: 'invalid_request_error', param: 'n', code: 'invalid_value' } } });
    await assert.rejects(openaiProvider.chat(chatReq(), trace()), isUpstream(400, (e) => e.options.code === 'invalid_value'));
    fake.enqueue({ kind: 'json', status: 503, headers: { 'retry-after': '1' }, body: { error: { message: 'overloaded' } } });
    const iter = openaiProvider.chatStream(chatReq(), trace())[Symbol.asyncIterator]();
    await assert.rejects(iter.next(), isUpstream(503, (e) => e.options.retryAfterMs === 1000));
  });

  it('errors: an {"error"} event inside the stream becomes an UpstreamError', async () => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    fake.enqueue({ kind: 'sse', events: [{ data: { ...base, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] } }, { data: { error: { message: 'model overloaded', type: 'server_error', code: 503 } } }] });
    const chunks: ChatCompletionChunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of openaiProvider.chatStream(chatReq(), trace())) chunks.push(c);
      })(),
      isUpstream(503, (e) => e.message === 'model overloaded'),
    );
    assert.equal(chunks.length, 1);
  });

  it('errors: mid-stream disconnect → 502 after the chunks already received', async () => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    const ev = (content: string) => ({ data: { ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] } });
    fake.enqueue({ kind: 'sse', disconnectAfterEvents: 2, events: [ev('a'), ev('b'), ev('c'), ev('d')] });
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of openaiProvider.chatStream(chatReq(), trace())) got.push(String(c.choices[0]?.delta.content));
      })(),
      isUpstream(502),
    );
    assert.deepEqual(got, ['a', 'b']);
  });

  it('errors: a stream that ends cleanly but without [DONE] or finish_reason is truncated → 502', async () => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    fake.enqueue({ kind: 'sse', events: [{ data: { ...base, choices: [{ index: 0, delta: { content: 'half' }, finish_reason: null }] } }] });
    await assert.rejects(collect(openaiProvider.chatStream(chatReq(), trace())), isUpstream(502, (e) => e.options.code === 'stream_truncated'));
  });

  it('abort: cancelling a pending call closes the upstream connection (499)', async () => {
    fake.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const arrived = fake.nextRequest();
    const pending = openaiProvider.chat(chatReq(), trace({ signal: ac.signal }));
    const seen = await arrived;
    ac.abort();
    await assert.rejects(pending, isUpstream(499));
    await seen.closedEarly;
    assert.equal(seen.aborted, true);
  });

  it('abort: client disconnect mid-stream closes the upstream stream', async () => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    fake.enqueue({ kind: 'sse', hold: { afterEvents: 1, until: new Promise(() => undefined) }, events: [{ data: { ...base, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] } }, { data: '[DONE]' }] });
    const ac = new AbortController();
    const arrived = fake.nextRequest();
    const iter = openaiProvider.chatStream(chatReq(), trace({ signal: ac.signal }))[Symbol.asyncIterator]();
    assert.equal((await iter.next()).done, false);
    const seen = await arrived;
    const next = iter.next();
    ac.abort();
    await assert.rejects(next, isUpstream(499));
    await seen.closedEarly;
  });

  it('abort: a consumer that stops iterating early closes the upstream connection', async () => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    fake.enqueue({ kind: 'sse', hold: { afterEvents: 1, until: new Promise(() => undefined) }, events: [{ data: { ...base, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] } }, { data: '[DONE]' }] });
    const arrived = fake.nextRequest();
    for await (const _chunk of openaiProvider.chatStream(chatReq(), trace())) break;
    await (await arrived).closedEarly;
  });

  it('timeout: a silent upstream → 504 (retryable) within timeoutMs', async () => {
    fake.enqueue({ kind: 'hang' });
    const started = Date.now();
    await assert.rejects(openaiProvider.chat(chatReq(), trace({ timeoutMs: 200 })), isUpstream(504));
    assert.ok(Date.now() - started < 3000);
    fake.enqueue({ kind: 'hang' });
    await assert.rejects(collect(openaiProvider.chatStream(chatReq(), trace({ timeoutMs: 200 }))), isUpstream(504));
  });

  it('embeddings', async () => {
    const res = await openaiProvider.embeddings({ model: 'client-name', input: ['a', 'bb'], dimensions: 3 }, testCallContext('openai/text-embedding-3-small', ctxOpts()));
    assert.equal(fake.last().path, '/v1/embeddings');
    assert.deepEqual(fake.last().body, { model: 'text-embedding-3-small', input: ['a', 'bb'], dimensions: 3 });
    assert.equal(res.data.length, 2);
    assert.equal((res.data[1]?.embedding as number[]).length, 3);
    assert.equal(res.usage.total_tokens, 6);
  });

  it('completions (legacy): plain and streaming with usage', async () => {
    const c = testCallContext('text_completion_openai/gpt-3.5-turbo-instruct', ctxOpts());
    const res = await openaiProvider.completions({ model: 'x', prompt: 'Say this is a test', max_tokens: 7, echo: false, logprobs: 2, suffix: '!' }, c);
    assert.equal(fake.last().path, '/v1/completions');
    assert.deepEqual(fake.last().body, { model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', max_tokens: 7, echo: false, logprobs: 2, suffix: '!' });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.choices[0]?.text, ' completed: Say this is a test');
    const chunks = await collect(openaiProvider.completionsStream({ model: 'x', prompt: 'abc def' }, c));
    assert.deepEqual(fake.last().body.stream_options, { include_usage: true });
    assert.equal(chunks.map((ch) => ch.choices[0]?.text ?? '').join(''), ' completed: abc def');
    assert.ok(chunks[chunks.length - 1]?.usage);
  });
});

describe('OpenAI-compatible aliases', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
    await closePools();
  });
  beforeEach(() => {
    delete process.env.GROQ_API_KEY;
  });

  it('registers every alias to the same adapter', () => {
    for (const name of Object.keys(OPENAI_COMPATIBLE_PROVIDERS)) {
      assert.equal(adapterFor(name), openaiProvider, name);
      assert.equal(openaiAdapters[name], openaiProvider);
    }
    assert.equal(adapterFor('azure'), azureProvider);
    const [d] = deploymentsFrom([{ model_name: 'llama', litellm_params: { model: 'hosted_vllm/meta-llama/Llama-3.1-8B-Instruct', api_base: 'http://x' } }]);
    assert.deepEqual([d?.provider, d?.upstreamModel], ['hosted_vllm', 'meta-llama/Llama-3.1-8B-Instruct']);
  });

  it('hosted_vllm / openai_compatible use api_base and keep slashes in the model name', async () => {
    for (const prefix of ['hosted_vllm', 'openai_compatible', 'together_ai', 'openrouter']) {
      await openaiProvider.chat(chatReq(), testCallContext(`${prefix}/meta-llama/Llama-3.1-8B-Instruct`, { params: { api_base: `${fake.url}/v1/` } }));
      assert.equal(fake.last().path, '/v1/chat/completions', prefix);
      assert.equal(fake.last().body.model, 'meta-llama/Llama-3.1-8B-Instruct');
      assert.equal(fake.last().headers.authorization, undefined, 'no key configured → no auth header');
    }
  });

  it('a prefix without a default base needs api_base (config error, 500)', async () => {
    await assert.rejects(openaiProvider.chat(chatReq(), testCallContext('hosted_vllm/m')), isUpstream(500, (e) => e.options.code === 'config_error' && /api_base/.test(e.message)));
  });

  it('ollama: a bare host gets the /v1 OpenAI path', async () => {
    await openaiProvider.chat(chatReq(), testCallContext('ollama/llama3.2', { params: { api_base: fake.url } }));
    assert.equal(fake.last().path, '/v1/chat/completions');
    await openaiProvider.chat(chatReq(), testCallContext('ollama_chat/llama3.2', { params: { api_base: `${fake.url}/v1` } }));
    assert.equal(fake.last().path, '/v1/chat/completions');
  });

  it('keys come from api_key, os.environ/ refs or the provider env var', async () => {
    process.env.GROQ_API_KEY = 'gsk-env';
    await openaiProvider.chat(chatReq(), testCallContext('groq/llama-3.1-8b-instant', { params: { api_base: `${fake.url}/openai/v1` } }));
    assert.equal(fake.last().path, '/openai/v1/chat/completions');
    assert.equal(fake.last().headers.authorization, 'Bearer gsk-env');
    process.env.HELIX_TEST_KEY = 'from-ref';
    await openaiProvider.chat(chatReq(), testCallContext('groq/llama', { params: { api_base: `${fake.url}/v1`, api_key: 'os.environ/HELIX_TEST_KEY', extra_headers: { 'X-Title': 'helix' } } }));
    assert.equal(fake.last().headers.authorization, 'Bearer from-ref');
    assert.equal(fake.last().headers['x-title'], 'helix');
  });

  it('openrouter keeps cache_control (it forwards it to Anthropic models)', async () => {
    const messages = [{ role: 'user' as const, content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }];
    await openaiProvider.chat(chatReq({ messages }), testCallContext('openrouter/anthropic/claude-3.5-sonnet', { params: { api_base: `${fake.url}/v1` } }));
    assert.deepEqual(fake.last().body.messages, messages);
  });
});

describe('azure adapter', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
    await closePools();
  });
  const trace = (params: Record<string, unknown> = {}, o: TestCallOptions = {}) => testCallContext('azure/my-gpt4o', { ...o, params: { api_base: `${fake.url}/`, api_key: 'az-key', ...params } });

  it('chat: deployment URL, api-version query, api-key header', async () => {
    const res = await azureProvider.chat(chatReq(), trace({ api_version: '2024-08-01-preview' }));
    const req = fake.last();
    assert.equal(req.path, '/openai/deployments/my-gpt4o/chat/completions');
    assert.equal(req.query.get('api-version'), '2024-08-01-preview');
    assert.equal(req.headers['api-key'], 'az-key');
    assert.equal(req.headers.authorization, undefined);
    assert.equal(res.choices[0]?.message.content, `Echo: ${UNICODE}`);
  });

  it('defaults the api-version; azure_ad_token uses a bearer header', async () => {
    await azureProvider.chat(chatReq(), trace({ api_key: undefined, azure_ad_token: 'aad-token' }));
    assert.equal(fake.last().query.get('api-version'), AZURE_DEFAULT_API_VERSION);
    assert.equal(fake.last().headers.authorization, 'Bearer aad-token');
    assert.equal(fake.last().headers['api-key'], undefined);
  });

  it('streaming reuses the OpenAI stream code (usage requested, tools reassembled)', async () => {
    const chunks = await collect(azureProvider.chatStream(chatReq({ tools: TOOLS }), trace()));
    assert.deepEqual(fake.last().body.stream_options, { include_usage: true });
    const out = assemble(chunks);
    assert.deepEqual(out.tools, [{ id: 'call_fake1', name: 'get_weather', arguments: FAKE_OPENAI_TOOL_ARGS }]);
    assert.ok(out.usage);
  });

  it('embeddings and completions go to the deployment too', async () => {
    await azureProvider.embeddings({ model: 'x', input: 'hello' }, trace());
    assert.equal(fake.last().path, '/openai/deployments/my-gpt4o/embeddings');
    await azureProvider.completions({ model: 'x', prompt: 'hi' }, trace());
    assert.equal(fake.last().path, '/openai/deployments/my-gpt4o/completions');
  });

  it('errors map the same way (429 retry-after-ms from Azure)', async () => {
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after-ms': '1200', 'retry-after': '2' }, body: { error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit' } } });
    await assert.rejects(azureProvider.chat(chatReq(), trace()), isUpstream(429, (e) => e.options.retryAfterMs === 1200 && e.options.code === '429'));
  });

  it('missing api_base is a config error', async () => {
    await assert.rejects(azureProvider.chat(chatReq(), testCallContext('azure/x', { params: { api_key: 'k' } })), isUpstream(500, (e) => /api_base/.test(e.message)));
  });
});

describe('with the router: adapter errors drive retries', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
    await closePools();
  });
  const settings = { routing_strategy: 'simple-shuffle' as const, num_retries: 2, retry_after: 0, timeout: 5, allowed_fails: 10, cooldown_time: 1, fallbacks: [] };

  it('retries 429 (honouring retry-after-ms), 5xx and timeouts, then succeeds; every attempt recorded', async () => {
    const router = new Router(deploymentsFrom([{ model_name: 'gpt', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${fake.url}/v1`, timeout: 0.2 } }]), settings);
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after-ms': '20' }, body: { error: { message: 'slow down' } } }, { kind: 'hang' });
    const trace = newTrace('/v1/chat/completions');
    const res = await router.call(trace, 'gpt', (adapter, call) => adapter.chat(chatReq(), call), new AbortController().signal);
    assert.equal(res.choices[0]?.message.content, `Echo: ${UNICODE}`);
    assert.deepEqual(
      trace.attempts.map((a) => a.status),
      [429, 504, 200],
    );
  });

  it('a refused connection (502) fails over to the next deployment', async () => {
    const router = new Router(
      deploymentsFrom([
        { model_name: 'gpt', litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:9/v1' } },
        { model_name: 'gpt', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${fake.url}/v1` } },
      ]),
      settings,
    );
    for (let i = 0; i < 4; i++) {
      const trace = newTrace('/v1/chat/completions');
      await router.call(trace, 'gpt', (adapter, call) => adapter.chat(chatReq(), call), new AbortController().signal);
      assert.equal(trace.attempts[trace.attempts.length - 1]?.status, 200);
      assert.ok(trace.attempts.slice(0, -1).every((a) => a.status === 502));
    }
  });
});
