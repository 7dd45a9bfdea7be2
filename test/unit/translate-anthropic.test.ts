// The /v1/messages surface: Anthropic ⇄ OpenAI translation, checked against the official @anthropic-ai/sdk:
// its request types go in, and its client (messages.stream() / finalMessage() / create()) consumes what the
// translators produce, served from a loopback server that calls real adapters against fake upstreams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '../../gateway/errors.ts';
import { anthropicProvider } from '../../gateway/anthropic/adapter.ts';
import { toAnthropicRequest } from '../../gateway/anthropic/upstream-request.ts';
import { anthropicMessageToOpenAI } from '../../gateway/anthropic/upstream-response.ts';
import { openaiProvider } from '../../gateway/providers/openai/adapter.ts';
import { closePools } from '../../gateway/providers/shared/http.ts';
import type { UpstreamCall, ProviderAdapter } from '../../gateway/providers/types.ts';
import type { ChatCompletion, ChatCompletionChunk } from '../../core/llm.ts';
import { anthropicRequestToOpenAI } from '../../gateway/anthropic/client-request.ts';
import { openAIResponseToAnthropic } from '../../gateway/anthropic/client-response.ts';
import { OpenAIStreamToAnthropic, anthropicSseError, formatAnthropicSse } from '../../gateway/anthropic/client-stream.ts';
import type { AnthropicMessage, AnthropicMessagesRequest, AnthropicStreamEvent } from '../../gateway/anthropic/wire.ts';
import {
  FAKE_ANTHROPIC_TOOL_INPUT,
  FAKE_OPENAI_TOOL_ARGS,
  startFakeAnthropic,
  startFakeOpenAI,
  startLoopbackServer,
  testCallContext,
  writeSseAwkwardly,
  type FakeUpstream,
  type LoopbackServer,
} from '../helpers/fake-upstreams.ts';

/** SDK request params → the gateway's wire type (they are the same JSON). */
const wire = (p: Anthropic.MessageCreateParams): AnthropicMessagesRequest => p as unknown as AnthropicMessagesRequest;

const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a place',
  input_schema: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] },
};

describe('Anthropic request → canonical OpenAI request', () => {
  it('translates system, content blocks, tool_use / tool_result turns, tools and parameters', () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'gpt-4o-mini',
      max_tokens: 512,
      system: 'You are terse.',
      stop_sequences: ['END'],
      metadata: { user_id: 'user-9' },
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'r.pdf' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'unavailable' }], is_error: true },
            { type: 'text', text: 'Which is warmer?' },
          ],
        },
      ],
    };
    assert.deepEqual(anthropicRequestToOpenAI(wire(params)), {
      model: 'gpt-4o-mini',
      max_tokens: 512,
      stop: ['END'],
      user: 'user-9',
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a place', parameters: WEATHER_TOOL.input_schema } }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'r.pdf' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: unavailable' },
        { role: 'user', content: 'Which is warmer?' },
      ],
    });
  });

  it('older clients (API 2023-06-01) may still send sampling params: temperature/top_p kept, top_k dropped', () => {
    const old: AnthropicMessagesRequest = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'q' }], temperature: 0.3, top_p: 0.9, top_k: 40 };
    const req = anthropicRequestToOpenAI(old);
    assert.deepEqual([req.temperature, req.top_p, req.top_k], [0.3, 0.9, undefined]);
  });

  it('system-role turns inside messages (API 2026-10-21) become system messages in place', () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'system', content: 'From now on answer in French.' },
        { role: 'user', content: 'q2' },
      ],
    };
    assert.deepEqual(anthropicRequestToOpenAI(wire(params)).messages, [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'system', content: 'From now on answer in French.' },
      { role: 'user', content: 'q2' },
    ]);
  });

  it('maps tool_choice variants and keeps cache_control for Anthropic deployments', () => {
    const base = { model: 'm', max_tokens: 10, messages: [{ role: 'user' as const, content: 'q' }], tools: [WEATHER_TOOL] };
    assert.equal(anthropicRequestToOpenAI(wire({ ...base, tool_choice: { type: 'any' } })).tool_choice, 'required');
    assert.equal(anthropicRequestToOpenAI(wire({ ...base, tool_choice: { type: 'none' } })).tool_choice, 'none');
    assert.deepEqual(anthropicRequestToOpenAI(wire({ ...base, tool_choice: { type: 'tool', name: 'get_weather' } })).tool_choice, { type: 'function', function: { name: 'get_weather' } });
    const cached = anthropicRequestToOpenAI(wire({ ...base, system: [{ type: 'text', text: 'big', cache_control: { type: 'ephemeral' } }], stream: true }));
    assert.deepEqual(cached.messages[0], { role: 'system', content: [{ type: 'text', text: 'big', cache_control: { type: 'ephemeral' } }] });
    assert.equal(cached.stream, true);
    assert.deepEqual(cached.stream_options, { include_usage: true });
  });

  it('round-trips through the anthropic adapter request builder unchanged', () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      system: [{ type: 'text', text: 'Cached system', cache_control: { type: 'ephemeral' } }],
      stop_sequences: ['STOP'],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
            { type: 'text', text: 'And tomorrow?', cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    };
    const { body } = toAnthropicRequest(anthropicRequestToOpenAI(wire(params)), 'claude-sonnet-4-5', false);
    assert.deepEqual(body, params);
  });
});

describe('OpenAI completion → Anthropic Message', () => {
  const completion = (over: Partial<ChatCompletion['choices'][number]>, usage?: ChatCompletion['usage']): ChatCompletion => ({
    id: 'chatcmpl-abc123',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop', ...over }],
    usage: usage ?? { prompt_tokens: 120, completion_tokens: 8, total_tokens: 128, prompt_tokens_details: { cached_tokens: 100 } },
  });

  it('text, stop reason, usage (cached tokens split out), requested model, msg_ id', () => {
    assert.deepEqual(openAIResponseToAnthropic(completion({}), 'my-model'), {
      id: 'msg_abc123',
      type: 'message',
      role: 'assistant',
      model: 'my-model',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 },
    });
    assert.equal(openAIResponseToAnthropic(completion({ finish_reason: 'length' }), 'm').stop_reason, 'max_tokens');
    assert.equal(openAIResponseToAnthropic(completion({ finish_reason: 'content_filter' }), 'm').stop_reason, 'refusal');
  });

  it('tool_calls → tool_use blocks with parsed input and stop_reason tool_use', () => {
    const msg = openAIResponseToAnthropic(
      completion({ message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: FAKE_OPENAI_TOOL_ARGS } }] }, finish_reason: 'tool_calls' }),
      'm',
    );
    assert.deepEqual(msg.content, [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: JSON.parse(FAKE_OPENAI_TOOL_ARGS) }]);
    assert.equal(msg.stop_reason, 'tool_use');
    // Some OpenAI-compatible servers say "stop" while calling tools; Anthropic clients need tool_use.
    const ollama = openAIResponseToAnthropic(completion({ message: { role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'stop' }), 'm');
    assert.equal(ollama.stop_reason, 'tool_use');
  });

  it('an Anthropic message survives Anthropic → OpenAI → Anthropic (content, stop reason, usage incl. cache)', () => {
    const original: AnthropicMessage = {
      id: 'msg_01XYZ',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: 'EqQBCgIYAhIM' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 12, cache_creation_input_tokens: 7, cache_read_input_tokens: 100 },
    };
    assert.deepEqual(openAIResponseToAnthropic(anthropicMessageToOpenAI(original), 'claude-sonnet-4-5'), original);
  });
});

describe('OpenAI chunks → Anthropic stream events', () => {
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: string | null = null): ChatCompletionChunk => ({
    id: 'chatcmpl-s1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  it('produces message_start, block start/delta/stop for text and each tool, message_delta with usage, message_stop', () => {
    const t = new OpenAIStreamToAnthropic('req-model', { inputTokens: 11 });
    const events: AnthropicStreamEvent[] = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Checking' }),
      chunk({ content: '.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } } as NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number]] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } } as NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number]] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      { ...chunk({}), choices: [], usage: { prompt_tokens: 50, completion_tokens: 9, total_tokens: 59, prompt_tokens_details: { cached_tokens: 10 } } },
    ].flatMap((c) => t.push(c));
    events.push(...t.finish());
    assert.deepEqual(events, [
      {
        type: 'message_start',
        message: {
          id: 'msg_s1',
          type: 'message',
          role: 'assistant',
          model: 'req-model',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 11, output_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 40, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 } },
      { type: 'message_stop' },
    ]);
  });

  it('an empty stream still yields a complete message; reasoning becomes a thinking block', () => {
    const empty = new OpenAIStreamToAnthropic('m');
    assert.deepEqual(
      empty.finish().map((e) => e.type),
      ['message_start', 'message_delta', 'message_stop'],
    );
    const t = new OpenAIStreamToAnthropic('m');
    const types = [...t.push(chunk({ reasoning_content: 'hmm' })), ...t.push(chunk({ content: 'ok' }, 'stop')), ...t.finish()].map((e) => (e.type === 'content_block_start' ? `start:${e.content_block.type}` : e.type));
    assert.deepEqual(types, ['message_start', 'start:thinking', 'content_block_delta', 'content_block_stop', 'start:text', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('formats SSE with event names (the SDK skips unnamed events)', () => {
    assert.equal(formatAnthropicSse({ type: 'message_stop' }), 'event: message_stop\ndata: {"type":"message_stop"}\n\n');
    assert.equal(anthropicSseError(new GatewayError('upstream_timeout', 'slow')), 'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"slow"}}\n\n');
  });
});

/** A minimal /v1/messages front: Anthropic request → canonical → adapter → Anthropic JSON / SSE (awkwardly split). */
async function messagesFront(adapter: ProviderAdapter, ctxFor: () => UpstreamCall): Promise<LoopbackServer> {
  return startLoopbackServer(async (_req, body, res) => {
    const areq = body as unknown as AnthropicMessagesRequest;
    const chat = anthropicRequestToOpenAI(areq);
    if (areq.model === 'explode') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const t = new OpenAIStreamToAnthropic(areq.model);
      await writeSseAwkwardly(res, t.push({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'x', choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] }).map(formatAnthropicSse).join(''));
      await writeSseAwkwardly(res, anthropicSseError(new GatewayError('upstream_error', 'Upstream error 500: boom')));
      res.end();
      return;
    }
    if (areq.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const t = new OpenAIStreamToAnthropic(areq.model, { inputTokens: 1 });
      for await (const chunk of adapter.chatStream(chat, ctxFor())) for (const ev of t.push(chunk)) await writeSseAwkwardly(res, formatAnthropicSse(ev));
      for (const ev of t.finish()) await writeSseAwkwardly(res, formatAnthropicSse(ev));
      res.end();
      return;
    }
    const msg = openAIResponseToAnthropic(await adapter.chat(chat, ctxFor()), areq.model);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_test' });
    res.end(JSON.stringify(msg));
  });
}

describe('@anthropic-ai/sdk against an OpenAI deployment (translated)', () => {
  let upstream: FakeUpstream;
  let front: LoopbackServer;
  let client: Anthropic;
  before(async () => {
    upstream = await startFakeOpenAI();
    front = await messagesFront(openaiProvider, () => testCallContext('openai/gpt-4o-mini', { params: { api_base: `${upstream.url}/v1`, api_key: 'sk' } }));
    client = new Anthropic({ baseURL: front.url, apiKey: 'sk-ant-helix', maxRetries: 0 });
  });
  after(async () => {
    await front.close();
    await upstream.close();
    await closePools();
  });

  it('messages.stream(): text events, finalMessage() with usage and stop_reason', async () => {
    const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'héllo ✓ 🌍' }] });
    const deltas: string[] = [];
    stream.on('text', (d) => deltas.push(d));
    const final = await stream.finalMessage();
    assert.ok(deltas.length > 1, 'text arrives in several deltas');
    assert.equal(deltas.join(''), 'Echo: héllo ✓ 🌍');
    assert.equal(final.role, 'assistant');
    assert.equal(final.model, 'gpt-4o-mini');
    assert.deepEqual(final.content, [{ type: 'text', text: 'Echo: héllo ✓ 🌍' }]);
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.input_tokens > 1, 'real input tokens arrive in message_delta');
    assert.equal(final.usage.output_tokens, 4);
    const sent = upstream.last().body;
    assert.deepEqual(sent.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'héllo ✓ 🌍' }]);
    assert.equal(sent.max_tokens, 100);
    assert.deepEqual(sent.stream_options, { include_usage: true });
  });

  it('messages.stream() with tools: inputJson events, tool_use block with parsed input', async () => {
    const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 100, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    assert.ok(partials.length > 1);
    assert.equal(final.stop_reason, 'tool_use');
    const block = final.content[0];
    assert.equal(block?.type, 'tool_use');
    assert.deepEqual(block?.type === 'tool_use' ? [block.id, block.name, block.input] : [], ['call_fake1', 'get_weather', JSON.parse(FAKE_OPENAI_TOOL_ARGS)]);
    assert.deepEqual(upstream.last().body.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a place', parameters: WEATHER_TOOL.input_schema } }]);
  });

  it('messages.create({stream:false}) text and a tool_result follow-up turn', async () => {
    const msg = await client.messages.create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'plain please' }], stream: false });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Echo: plain please' }]);
    assert.equal(msg.type, 'message');
    assert.ok(msg.id.startsWith('msg_'));
    assert.ok(msg.usage.input_tokens > 0);
    const followUp = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_fake1', name: 'get_weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_fake1', content: '18C and sunny' }] },
      ],
    });
    assert.equal(followUp.stop_reason, 'end_turn');
    const sent = upstream.last().body.messages as Array<Record<string, unknown>>;
    assert.deepEqual(sent.slice(1), [
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_fake1', content: '18C and sunny' },
    ]);
  });

  it('messages.create({stream:true}) yields the raw event sequence', async () => {
    const stream = await client.messages.create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'raw' }], stream: true });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    assert.equal(types[0], 'message_start');
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(types.filter((t) => t === 'content_block_delta').length >= 2);
  });

  it('an error event mid-stream surfaces as the SDK APIError', async () => {
    const stream = client.messages.stream({ model: 'explode', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(stream.finalMessage(), (err: unknown) => err instanceof Anthropic.APIError && /boom/.test(err.message));
  });
});

describe('@anthropic-ai/sdk against an Anthropic deployment (through the canonical format)', () => {
  let upstream: FakeUpstream;
  let front: LoopbackServer;
  let client: Anthropic;
  before(async () => {
    upstream = await startFakeAnthropic({ cacheReadTokens: 9 });
    front = await messagesFront(anthropicProvider, () => testCallContext('anthropic/claude-sonnet-4-5', { params: { api_base: upstream.url, api_key: 'sk-ant' } }));
    client = new Anthropic({ baseURL: front.url, apiKey: 'sk-ant-helix', maxRetries: 0 });
  });
  after(async () => {
    await front.close();
    await upstream.close();
    await closePools();
  });

  it('streams text and tools with the upstream usage (input + cache read tokens) intact', async () => {
    const final = await client.messages.stream({ model: 'claude', max_tokens: 64, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage();
    assert.deepEqual(
      final.content.map((b) => b.type),
      ['text', 'tool_use'],
    );
    const tool = final.content[1];
    assert.deepEqual(tool?.type === 'tool_use' ? tool.input : undefined, FAKE_ANTHROPIC_TOOL_INPUT);
    assert.equal(final.stop_reason, 'tool_use');
    assert.equal(final.usage.cache_read_input_tokens, 9);
    assert.ok(final.usage.input_tokens > 1);
    assert.equal(final.usage.output_tokens, 20);
    const sent = upstream.last().body;
    assert.deepEqual(sent.tools, [WEATHER_TOOL]);
    assert.deepEqual(sent.messages, [{ role: 'user', content: 'Weather?' }]);
  });

  it('non-streaming create() returns the same message shape', async () => {
    const msg = await client.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Echo: hi' }]);
    assert.equal(msg.usage.cache_read_input_tokens, 9);
    assert.equal(msg.id, 'msg_fake01');
  });
});
