// Anthropic provider: OpenAI chat → Messages API translation (pure), and the adapter against a loopback fake
// Anthropic upstream; finally the official `openai` client consumes the adapter's output.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { anthropicProvider } from '../../gateway/anthropic/adapter.ts';
import { anthropicMessagesUrl, ANTHROPIC_VERSION } from '../../gateway/anthropic/upstream-http.ts';
import { DEFAULT_MAX_TOKENS, JSON_TOOL_NAME, toAnthropicRequest } from '../../gateway/anthropic/upstream-request.ts';
import { AnthropicStreamToOpenAI, anthropicMessageToOpenAI } from '../../gateway/anthropic/upstream-response.ts';
import { usageFromAnthropic } from '../../gateway/anthropic/usage.ts';
import type { AnthropicMessage, AnthropicStopReason } from '../../gateway/anthropic/wire.ts';
import { adapterFor } from '../../gateway/providers/registry.ts';
import { closePools } from '../../gateway/providers/shared/http.ts';
import { formatSse } from '../../gateway/providers/shared/sse.ts';
import type { ChatRequest } from '../../core/llm.ts';
import {
  assemble,
  collect,
  FAKE_ANTHROPIC_TOOL_INPUT,
  isUpstream,
  startFakeAnthropic,
  startLoopbackServer,
  testCallContext,
  writeSseAwkwardly,
  type FakeUpstream,
  type TestCallOptions,
} from '../helpers/fake-upstreams.ts';

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
  { type: 'function', function: { name: 'no_params' } },
];

describe('OpenAI chat → Anthropic Messages request', () => {
  it('extracts system/developer messages and defaults max_tokens', () => {
    const { body } = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
        ],
      },
      'claude-sonnet-4-5',
      false,
    );
    assert.deepEqual(body, { model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, system: 'You are terse.\n\nAnswer in French.', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('keeps cache_control as system blocks and on content parts', () => {
    const { body } = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'Long doc', cache_control: { type: 'ephemeral' } }] },
          { role: 'user', content: 'Q', cache_control: { type: 'ephemeral' } },
        ],
      },
      'c',
      false,
    );
    assert.deepEqual(body.system, [{ type: 'text', text: 'Long doc', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Q', cache_control: { type: 'ephemeral' } }] }]);
  });

  it('converts content parts: text, data-URL and http images, PDFs', () => {
    const { body } = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            ],
          },
        ],
      },
      'c',
      false,
    );
    assert.deepEqual(body.messages[0]?.content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('maps tool definitions, tool_choice and parallel_tool_calls', () => {
    const cases: Array<[unknown, unknown, unknown]> = [
      ['auto', undefined, undefined],
      ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
      ['required', undefined, { type: 'any' }],
      ['none', undefined, { type: 'none' }],
      [{ type: 'function', function: { name: 'get_weather' } }, false, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true }],
    ];
    for (const [choice, parallel, expected] of cases) {
      const { body } = toAnthropicRequest({ model: 'x', messages: [{ role: 'user', content: 'q' }], tools: TOOLS, tool_choice: choice, parallel_tool_calls: parallel }, 'c', false);
      assert.deepEqual(body.tool_choice, expected, JSON.stringify(choice));
      assert.deepEqual(body.tools, [
        { name: 'get_weather', description: 'Weather for a place', input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
        { name: 'no_params', input_schema: { type: 'object', properties: {} } },
      ]);
    }
  });

  it('turns assistant tool_calls into tool_use and tool messages into one user turn of tool_result blocks', () => {
    const { body } = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
          { role: 'user', content: 'Thanks, which is warmer?' },
        ],
        tools: TOOLS,
      },
      'c',
      false,
    );
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { location: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
          { type: 'text', text: 'Thanks, which is warmer?' },
        ],
      },
    ]);
  });

  it('maps parameters through the declarative map and drops what Anthropic lacks', () => {
    const { body } = toAnthropicRequest(
      {
        model: 'x',
        messages: [{ role: 'user', content: 'q' }],
        max_tokens: 100,
        max_completion_tokens: 200,
        temperature: 1.7,
        top_p: 0.9,
        stop: ['END', '  ', '\n\nHuman:'],
        user: 'user-7',
        seed: 1,
        logprobs: true,
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        logit_bias: { 1: 2 },
        n: 1,
      },
      'c',
      true,
    );
    assert.deepEqual(body, {
      model: 'c',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'q' }],
      temperature: 1,
      top_p: 0.9,
      stop_sequences: ['END', '\n\nHuman:'],
      metadata: { user_id: 'user-7' },
      stream: true,
    });
  });

  it('rejects what cannot be expressed (n > 1, audio input) as a 400', () => {
    assert.throws(() => toAnthropicRequest({ model: 'x', messages: [{ role: 'user', content: 'q' }], n: 2 }, 'c', false), isUpstream(400));
    assert.throws(() => toAnthropicRequest({ model: 'x', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] }, 'c', false), isUpstream(400));
  });

  it('emulates response_format json_schema with a forced tool', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    const plan = toAnthropicRequest({ model: 'x', messages: [{ role: 'user', content: 'q' }], response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } }, 'c', false);
    assert.equal(plan.jsonTool, JSON_TOOL_NAME);
    assert.deepEqual(plan.body.tool_choice, { type: 'tool', name: JSON_TOOL_NAME });
    assert.deepEqual(plan.body.tools?.[0], { name: JSON_TOOL_NAME, description: 'Respond with a JSON object that matches the schema.', input_schema: schema });
  });

  it('passes Anthropic-native thinking/output_config through; drops sampling params where the API rejects them', () => {
    const base: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'q' }], temperature: 0.2, top_p: 0.5, max_tokens: 500, reasoning_effort: 'high' };
    const thinking = toAnthropicRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 1024 }, output_config: { effort: 'low' } }, 'c', false).body;
    assert.deepEqual(thinking.thinking, { type: 'enabled', budget_tokens: 1024 });
    assert.deepEqual(thinking.output_config, { effort: 'low' });
    assert.equal(thinking.temperature, undefined);
    assert.ok(thinking.max_tokens > 1024, 'max_tokens must exceed the thinking budget');
    assert.equal(toAnthropicRequest(base, 'c', false).body.reasoning_effort, undefined, 'reasoning_effort has no portable mapping');
    assert.equal(toAnthropicRequest(base, 'c', false, { apiVersion: '2023-06-01' }).body.temperature, 0.2);
    const v2 = toAnthropicRequest(base, 'c', false, { apiVersion: '2026-10-21' }).body;
    assert.deepEqual([v2.temperature, v2.top_p], [undefined, undefined]);
  });
});

describe('Anthropic Message → OpenAI chat completion', () => {
  const msg = (over: Partial<AnthropicMessage>): AnthropicMessage => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [{ type: 'text', text: 'hi' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
    ...over,
  });

  it('maps stop_reason → finish_reason', () => {
    const table: Array<[AnthropicStopReason, string]> = [
      ['end_turn', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_calls'],
      ['stop_sequence', 'stop'],
      ['refusal', 'content_filter'],
    ];
    for (const [stop, finish] of table) assert.equal(anthropicMessageToOpenAI(msg({ stop_reason: stop })).choices[0]?.finish_reason, finish, stop);
  });

  it('maps text, tool_use and thinking blocks', () => {
    const res = anthropicMessageToOpenAI(
      msg({
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
        ],
        stop_reason: 'tool_use',
      }),
    );
    assert.deepEqual(res.choices[0]?.message, {
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      reasoning_content: 'hmm',
      thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'claude-x');
  });

  it('counts cache reads and writes into prompt_tokens', () => {
    assert.deepEqual(usageFromAnthropic({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 }), {
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100 },
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
    });
  });

  it('stream translation keeps message_start input tokens when message_delta only reports output', () => {
    const t = new AnthropicStreamToOpenAI('claude-x');
    const out = [
      ...t.push({ type: 'message_start', message: msg({ content: [], stop_reason: null, usage: { input_tokens: 42, output_tokens: 1, cache_read_input_tokens: 8 } }) }),
      ...t.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ...t.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      ...t.push({ type: 'content_block_stop', index: 0 }),
      ...t.push({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } }),
      ...t.push({ type: 'message_stop' }),
    ];
    assert.deepEqual(out[out.length - 1]?.usage, { prompt_tokens: 50, completion_tokens: 7, total_tokens: 57, prompt_tokens_details: { cached_tokens: 8 }, cache_read_input_tokens: 8 });
    assert.equal(t.done, true);
  });
});

describe('anthropic adapter against a fake Anthropic upstream', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeAnthropic({ cacheReadTokens: 5 });
  });
  after(async () => {
    await fake.close();
    await closePools();
  });
  const trace = (o: TestCallOptions = {}) => testCallContext('anthropic/claude-sonnet-4-5', { ...o, params: { api_base: fake.url, api_key: 'sk-ant-test', ...o.params } });
  const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'héllo ✓ 🌍' }], ...over });

  it('is registered as `anthropic`', () => {
    assert.equal(adapterFor('anthropic'), anthropicProvider);
  });

  it('builds the messages URL from host, /v1 or full URL', () => {
    for (const base of ['https://api.example.com', 'https://api.example.com/', 'https://api.example.com/v1', 'https://api.example.com/v1/messages']) {
      assert.equal(anthropicMessagesUrl(testCallContext('anthropic/c', { params: { api_base: base } })), 'https://api.example.com/v1/messages');
    }
  });

  it('anthropic_version from litellm_params sets the header and the request rules', async () => {
    await anthropicProvider.chat(req({ temperature: 0.3 }), trace({ params: { anthropic_version: '2026-10-21' } }));
    assert.equal(fake.last().headers['anthropic-version'], '2026-10-21');
    assert.equal(fake.last().body.temperature, undefined);
    await anthropicProvider.chat(req({ temperature: 0.3 }), trace());
    assert.equal(fake.last().body.temperature, 0.3);
  });

  it('chat: headers, body and the translated completion', async () => {
    const res = await anthropicProvider.chat(req({ max_tokens: 300 }), trace());
    const r = fake.last();
    assert.equal(r.path, '/v1/messages');
    assert.equal(r.headers['x-api-key'], 'sk-ant-test');
    assert.equal(r.headers['anthropic-version'], ANTHROPIC_VERSION);
    assert.equal(r.headers.authorization, undefined);
    assert.deepEqual(r.body, { model: 'claude-sonnet-4-5', max_tokens: 300, system: 'Be brief.', messages: [{ role: 'user', content: 'héllo ✓ 🌍' }] });
    assert.equal(res.choices[0]?.message.content, 'Echo: héllo ✓ 🌍');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    const inputTokens = Math.ceil(JSON.stringify(r.body.messages).length / 4) + Math.ceil('Be brief.'.length / 4); // what the fake reports
    assert.deepEqual(res.usage, {
      prompt_tokens: inputTokens + 5,
      completion_tokens: 4,
      total_tokens: inputTokens + 9,
      prompt_tokens_details: { cached_tokens: 5 },
      cache_read_input_tokens: 5,
      cache_creation_input_tokens: 0,
    });
  });

  it('chat: tool_use → tool_calls with finish_reason tool_calls', async () => {
    const res = await anthropicProvider.chat(req({ tools: TOOLS, tool_choice: 'required' }), trace());
    assert.deepEqual(fake.last().body.tool_choice, { type: 'any' });
    assert.equal(res.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(res.choices[0]?.message.tool_calls, [{ id: 'toolu_fake1', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(FAKE_ANTHROPIC_TOOL_INPUT) } }]);
  });

  it('chat: response_format json_schema comes back as JSON text with finish_reason stop', async () => {
    const res = await anthropicProvider.chat(req({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } } }), trace());
    assert.equal(res.choices[0]?.message.content, '{"answer":42}');
    assert.equal(res.choices[0]?.message.tool_calls, undefined);
    assert.equal(res.choices[0]?.finish_reason, 'stop');
  });

  it('chatStream: text chunk by chunk; usage includes input tokens from message_start', async () => {
    const chunks = await collect(anthropicProvider.chatStream(req({ stream: true }), trace()));
    assert.equal(fake.last().body.stream, true);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.ok(chunks.length > 5, 'several content chunks, not one buffered blob');
    const out = assemble(chunks);
    assert.equal(out.content, 'Echo: héllo ✓ 🌍');
    assert.equal(out.finish, 'stop');
    const usage = chunks[chunks.length - 1]?.usage;
    assert.ok(usage);
    assert.ok(usage.prompt_tokens > 5, `input tokens from message_start must be kept (got ${usage.prompt_tokens})`);
    assert.equal(usage.prompt_tokens_details?.cached_tokens, 5);
    assert.equal(usage.completion_tokens, 4);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(chunks[chunks.length - 1]?.choices, []);
    assert.ok(chunks.every((c) => c.id === 'msg_fake01' && c.object === 'chat.completion.chunk'));
  });

  it('chatStream: yields before the upstream finished (held stream)', async () => {
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const ev = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, ...data } });
    fake.enqueue({
      kind: 'sse',
      hold: { afterEvents: 3, until },
      events: [
        ev('message_start', { message: { id: 'msg_h', type: 'message', role: 'assistant', model: 'c', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'first' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' second' } }),
        ev('content_block_stop', { index: 0 }),
        ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }),
        ev('message_stop', {}),
      ],
    });
    const iter = anthropicProvider.chatStream(req(), trace())[Symbol.asyncIterator]();
    await iter.next(); // role chunk
    const first = await iter.next();
    assert.equal(first.done ? '' : first.value.choices[0]?.delta.content, 'first');
    release();
    const rest = [];
    for (let n = await iter.next(); !n.done; n = await iter.next()) rest.push(n.value);
    assert.equal(rest[0]?.choices[0]?.delta.content, ' second');
    assert.deepEqual(rest[rest.length - 1]?.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('chatStream: tool_use with input_json_delta → tool_calls deltas', async () => {
    const chunks = await collect(anthropicProvider.chatStream(req({ tools: TOOLS }), trace()));
    const out = assemble(chunks);
    assert.equal(out.content, 'Let me check.');
    assert.deepEqual(out.tools, [{ id: 'toolu_fake1', name: 'get_weather', arguments: JSON.stringify(FAKE_ANTHROPIC_TOOL_INPUT) }]);
    assert.equal(out.finish, 'tool_calls');
    const start = chunks.find((c) => c.choices[0]?.delta.tool_calls?.[0]?.id);
    assert.deepEqual(start?.choices[0]?.delta.tool_calls, [{ index: 0, id: 'toolu_fake1', type: 'function', function: { name: 'get_weather', arguments: '' } }]);
  });

  it('chatStream: json response_format streams the JSON as content', async () => {
    const chunks = await collect(anthropicProvider.chatStream(req({ response_format: { type: 'json_object' } }), trace()));
    const out = assemble(chunks);
    assert.equal(out.content, '{"answer":42}');
    assert.equal(out.finish, 'stop');
    assert.deepEqual(out.tools, []);
  });

  it('errors: 429 with retry-after, 529 overloaded, 400 invalid request', async () => {
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '12' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } });
    await assert.rejects(anthropicProvider.chat(req(), trace()), isUpstream(429, (e) => e.options.retryAfterMs === 12_000 && e.options.type === 'rate_limit_error'));
    fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    await assert.rejects(anthropicProvider.chat(req(), trace()), isUpstream(529, (e) => e.message === 'Overloaded'));
    fake.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } } });
    await assert.rejects(collect(anthropicProvider.chatStream(req(), trace())), isUpstream(400, (e) => /max_tokens/.test(e.message)));
  });

  it('errors: an `error` event mid-stream → UpstreamError with the mapped status', async () => {
    const ev = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, ...data } });
    fake.enqueue({
      kind: 'sse',
      events: [
        ev('message_start', { message: { id: 'msg_e', type: 'message', role: 'assistant', model: 'c', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
        ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ],
    });
    await assert.rejects(collect(anthropicProvider.chatStream(req(), trace())), isUpstream(529, (e) => e.options.type === 'overloaded_error'));
  });

  it('errors: mid-stream disconnect → 502; clean end without message_stop → 502', async () => {
    fake.enqueue({ kind: 'sse', disconnectAfterEvents: 3, events: [{ data: 'x' }, { data: 'x' }, { data: 'x' }, { data: 'x' }].map(() => ({ event: 'ping', data: { type: 'ping' } })) });
    await assert.rejects(collect(anthropicProvider.chatStream(req(), trace())), isUpstream(502));
    fake.enqueue({ kind: 'sse', events: [{ event: 'ping', data: { type: 'ping' } }] });
    await assert.rejects(collect(anthropicProvider.chatStream(req(), trace())), isUpstream(502, (e) => e.options.code === 'stream_truncated'));
  });

  it('abort propagates to the upstream connection; timeouts → 504', async () => {
    fake.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const arrived = fake.nextRequest();
    const pending = collect(anthropicProvider.chatStream(req(), trace({ signal: ac.signal })));
    const seen = await arrived;
    ac.abort();
    await assert.rejects(pending, isUpstream(499));
    await seen.closedEarly;
    fake.enqueue({ kind: 'hang' });
    await assert.rejects(anthropicProvider.chat(req(), trace({ timeoutMs: 150 })), isUpstream(504));
  });
});

describe('the official openai client consumes the anthropic adapter output', () => {
  let fake: FakeUpstream;
  let server: Awaited<ReturnType<typeof startLoopbackServer>>;
  let client: OpenAI;
  before(async () => {
    fake = await startFakeAnthropic();
    // A minimal OpenAI-compatible front: canonical request → anthropic adapter → OpenAI JSON / SSE.
    server = await startLoopbackServer(async (_req, body, res) => {
      const chat = body as unknown as ChatRequest;
      const call = testCallContext('anthropic/claude-sonnet-4-5', { params: { api_base: fake.url, api_key: 'k' } });
      if (chat.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for await (const chunk of anthropicProvider.chatStream(chat, call)) {
          if (chunk.usage && chunk.choices.length === 0 && chat.stream_options?.include_usage !== true) continue;
          await writeSseAwkwardly(res, formatSse(chunk));
        }
        await writeSseAwkwardly(res, 'data: [DONE]\n\n');
        res.end();
        return;
      }
      const completion = await anthropicProvider.chat(chat, call);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion));
    });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-helix', maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    await fake.close();
    await closePools();
  });

  it('non-streaming create()', async () => {
    const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi there' }] });
    assert.equal(res.choices[0]?.message.content, 'Echo: hi there');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok((res.usage?.prompt_tokens ?? 0) > 0);
  });

  it('streaming create() with include_usage', async () => {
    const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Echo: stream me');
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens === 3);
  });

  it('chat.completions.stream() helper accumulates tool calls', async () => {
    const runner = client.chat.completions.stream({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      stream_options: { include_usage: true },
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type, 'function');
    assert.deepEqual(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined, FAKE_ANTHROPIC_TOOL_INPUT);
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(final.choices[0]?.message.content, 'Let me check.');
  });
});
