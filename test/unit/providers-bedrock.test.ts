// Bedrock provider: OpenAI chat ⇄ Converse translation (pure), ConverseStream's binary event stream decoded across
// awkward splits, error mapping, and the adapter against the SigV4-checking loopback fake with credentials from
// litellm_params and from the standard AWS chain (environment variables).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { bedrockProvider } from '../../gateway/providers/bedrock/adapter.ts';
import { bedrockModelId, converseUrl } from '../../gateway/providers/bedrock/endpoint.ts';
import { bedrockHttpError } from '../../gateway/providers/bedrock/errors.ts';
import { converseStreamEvents, eventStreamMessages } from '../../gateway/providers/bedrock/eventstream.ts';
import { JSON_TOOL_NAME, toConverseRequest } from '../../gateway/providers/bedrock/request.ts';
import { chatCompletionFromConverse } from '../../gateway/providers/bedrock/response.ts';
import { clearBedrockSigners } from '../../gateway/providers/bedrock/signing.ts';
import { ConverseStreamToOpenAI } from '../../gateway/providers/bedrock/stream.ts';
import type { ConverseStreamEvent } from '../../gateway/providers/bedrock/wire.ts';
import { adapterFor } from '../../gateway/providers/registry.ts';
import { closePools } from '../../gateway/providers/shared/http.ts';
import type { ChatRequest } from '../../core/llm.ts';
import { assemble, collect, isUpstream, testCallContext, type TestCallOptions } from '../helpers/fake-upstreams.ts';
import {
  eventFrame,
  exceptionFrame,
  FAKE_AWS_CREDENTIALS,
  FAKE_AWS_REGION,
  FAKE_BEDROCK_MODEL,
  FAKE_BEDROCK_TOOL_USE_ID,
  startFakeBedrock,
  validateConverseRequest,
  type FakeBedrock,
} from '../helpers/fakes/bedrock.ts';

const WEATHER = { type: 'function', function: { name: 'get_weather', description: 'Weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (let offset = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

describe('OpenAI chat → Converse request', () => {
  it('maps system, content parts, tool calls and tool results, merging same-role turns', () => {
    const { body } = toConverseRequest({
      model: 'x',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [WEATHER],
    });
    assert.deepEqual(body.system, [{ text: 'You are terse.' }, { text: 'Answer in French.' }]);
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ text: 'Hello' }, { text: 'What is this?' }, { image: { format: 'png', source: { bytes: PNG } } }] },
      { role: 'assistant', content: [{ text: 'Checking.' }, { toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { location: 'Paris' } } }] },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_1', content: [{ json: { temp: 21 } }], status: 'success' } },
          { toolResult: { toolUseId: 'call_2', content: [{ text: 'sunny' }], status: 'success' } },
          { text: 'Thanks' },
        ],
      },
    ]);
    assert.doesNotThrow(() => validateConverseRequest(body as unknown as Record<string, unknown>), 'the fake accepts what the adapter sends');
  });

  it('maps inference parameters, tools and tool_choice; drops what Converse lacks', () => {
    const base: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER] };
    const { body } = toConverseRequest({ ...base, max_tokens: 100, temperature: 0.2, top_p: 0.9, stop: 'END', seed: 7, n: 1, user: 'u1', tool_choice: 'required' });
    assert.deepEqual(body.inferenceConfig, { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    assert.deepEqual(body.toolConfig, {
      tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a place', inputSchema: { json: WEATHER.function.parameters } } }],
      toolChoice: { any: {} },
    });
    assert.deepEqual(Object.keys(body).sort(), ['inferenceConfig', 'messages', 'toolConfig']);
    assert.deepEqual(toConverseRequest({ ...base, max_completion_tokens: 50, stop: ['a', 'b'] }).body.inferenceConfig, { maxTokens: 50, stopSequences: ['a', 'b'] });
    assert.deepEqual(toConverseRequest({ ...base, tool_choice: 'auto' }).body.toolConfig?.toolChoice, { auto: {} });
    assert.deepEqual(toConverseRequest({ ...base, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).body.toolConfig?.toolChoice, { tool: { name: 'get_weather' } });
    assert.equal(toConverseRequest({ ...base, tool_choice: 'none' }).body.toolConfig, undefined, '"none" without tool history drops the tools');
  });

  it('emulates response_format with a forced tool whose input becomes the text', () => {
    const plan = toConverseRequest({ model: 'x', messages: [{ role: 'user', content: 'json please' }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', properties: { a: { type: 'number' } } } } } });
    assert.equal(plan.jsonTool, JSON_TOOL_NAME);
    assert.deepEqual(plan.body.toolConfig?.toolChoice, { tool: { name: JSON_TOOL_NAME } });
    const r = chatCompletionFromConverse({ output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: JSON_TOOL_NAME, input: { a: 1 } } }] } }, stopReason: 'tool_use' }, 'm', plan);
    assert.equal(r.choices[0]?.message.content, '{"a":1}');
    assert.equal(r.choices[0]?.finish_reason, 'stop');
  });

  it('rejects what Bedrock cannot take, without quoting the client', () => {
    assert.throws(() => toConverseRequest({ model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.invalid/cat.png' } }] }] }), isUpstream(400));
    assert.throws(() => toConverseRequest({ model: 'x', messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{secret' } }] }] }), isUpstream(400, (e) => !e.message.includes('secret')));
  });
});

describe('Converse response → OpenAI chat', () => {
  it('maps text, tool uses, reasoning, usage with cache reads, and every stop reason', () => {
    const plan = toConverseRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
    const r = chatCompletionFromConverse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [
              { reasoningContent: { reasoningText: { text: 'Let me think.', signature: 'sig' } } },
              { text: 'Sure.' },
              { toolUse: { toolUseId: 'tu1', name: 'get_weather', input: { location: 'Paris' } } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 45, cacheReadInputTokens: 30 },
      },
      FAKE_BEDROCK_MODEL,
      plan,
    );
    const message = r.choices[0]!.message;
    assert.equal(message.content, 'Sure.');
    assert.deepEqual(message.tool_calls, [{ id: 'tu1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }]);
    assert.equal(message.reasoning_content, 'Let me think.');
    assert.deepEqual(message.thinking_blocks, [{ type: 'thinking', thinking: 'Let me think.', signature: 'sig' }]);
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(r.usage, { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45, prompt_tokens_details: { cached_tokens: 30 }, cache_read_input_tokens: 30 });
    const finish = (stopReason: string) => chatCompletionFromConverse({ output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason }, 'm', plan).choices[0]!.finish_reason;
    assert.deepEqual(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'guardrail_intervened', 'content_filtered'].map(finish),
      ['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'content_filter'],
    );
  });
});

describe('ConverseStream event stream decoding', () => {
  const frames = [
    eventFrame('messageStart', { role: 'assistant' }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Héllo ' } }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'wörld ✓' } }),
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tu9', name: 'get_weather' } } }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"location":' } } }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
    eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
    eventFrame('messageStop', { stopReason: 'tool_use' }),
    eventFrame('metadata', { usage: { inputTokens: 7, outputTokens: 9, totalTokens: 16 }, metrics: { latencyMs: 5 } }),
  ];
  const bytes = Buffer.concat(frames);

  for (const [label, sizes] of [
    ['one byte at a time', [1]],
    ['awkward splits', [3, 7, 2, 13, 5, 29, 4, 11]],
    ['several frames per chunk', [500]],
    ['one chunk', [bytes.length]],
  ] as const) {
    it(`decodes frames delivered ${label}`, async () => {
      const events = await collect(converseStreamEvents(eventStreamMessages(chunked(bytes, [...sizes]))));
      assert.deepEqual(
        events.map((e) => e.type),
        ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'contentBlockStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata'],
      );
      const translator = new ConverseStreamToOpenAI('m', toConverseRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
      const result = assemble(events.flatMap((e: ConverseStreamEvent) => translator.push(e)));
      assert.equal(result.content, 'Héllo wörld ✓');
      assert.deepEqual(result.tools, [{ id: 'tu9', name: 'get_weather', arguments: '{"location":"Paris"}' }]);
      assert.equal(result.finish, 'tool_calls');
      assert.deepEqual([result.usage?.prompt_tokens, result.usage?.completion_tokens, result.usage?.total_tokens], [7, 9, 16]);
    });
  }

  it('rejects a corrupted frame (CRC) and a stream cut inside a frame', async () => {
    const corrupt = Buffer.from(frames[1]!);
    corrupt[corrupt.length - 6]! ^= 0xff;
    await assert.rejects(collect(eventStreamMessages(chunked(corrupt, [4]))), isUpstream(502, (e) => e.options.code === 'invalid_upstream_response'));
    await assert.rejects(collect(eventStreamMessages(chunked(bytes.subarray(0, bytes.length - 3), [64]))), isUpstream(502, (e) => e.options.code === 'stream_truncated'));
  });

  it('turns exception frames into UpstreamError with the status of the exception', async () => {
    const cases: Array<[string, string, number, string | undefined]> = [
      ['throttlingException', 'Too many tokens, please wait before trying again.', 429, 'rate_limit_exceeded'],
      ['validationException', 'Input is too long for requested model.', 400, 'context_length_exceeded'],
      ['modelStreamErrorException', 'The model stream failed.', 502, undefined],
      ['serviceUnavailableException', 'Service unavailable.', 503, undefined],
      ['internalServerException', 'Internal error.', 500, undefined],
    ];
    for (const [type, message, status, code] of cases) {
      const stream = Buffer.concat([frames[0]!, exceptionFrame(type, message)]);
      await assert.rejects(collect(converseStreamEvents(eventStreamMessages(chunked(stream, [5])))), isUpstream(status, (e) => e.message === message && e.options.code === code));
    }
  });
});

describe('Bedrock HTTP errors', () => {
  const err = (status: number, type: string, message: string) => bedrockHttpError(status, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, JSON.stringify({ message }));

  it('maps exceptions to statuses and the codes the router falls back on', () => {
    assert.equal(err(429, 'ThrottlingException', 'Too many requests').status, 429);
    assert.equal(err(403, 'AccessDeniedException', 'You do not have access').status, 403);
    assert.equal(err(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.').status, 401);
    assert.equal(err(403, 'ExpiredTokenException', 'The security token included in the request is expired').status, 401);
    assert.equal(err(429, 'ModelNotReadyException', 'Model is not ready').status, 503);
    assert.equal(err(503, 'ServiceUnavailableException', 'Service unavailable').status, 503);
    const context = err(400, 'ValidationException', 'Input is too long for requested model.');
    assert.deepEqual([context.status, context.options.code, context.options.type], [400, 'context_length_exceeded', 'ValidationException']);
    assert.equal(err(400, 'ValidationException', 'prompt is too long: 250000 tokens > 200000 maximum').options.code, 'context_length_exceeded');
    assert.equal(err(400, 'ValidationException', 'This request has been blocked by our content filters.').options.code, 'content_policy_violation');
    const plain = err(400, 'ValidationException', 'Malformed input request: extraneous key [foo] is not permitted');
    assert.deepEqual([plain.status, plain.options.code], [400, undefined]);
    assert.equal(bedrockHttpError(502, {}, 'Bad Gateway').status, 502, 'an answer without an exception name keeps its HTTP status');
  });
});

describe('Bedrock adapter against the SigV4-checking fake', () => {
  let fake: FakeBedrock;
  const keys = { aws_access_key_id: FAKE_AWS_CREDENTIALS.accessKeyId, aws_secret_access_key: FAKE_AWS_CREDENTIALS.secretAccessKey, aws_region_name: FAKE_AWS_REGION };
  const ENV_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED'];
  const savedEnv = new Map(ENV_NAMES.map((k) => [k, process.env[k]]));
  const call = (params: Record<string, unknown> = keys, options: TestCallOptions = {}, model = `bedrock/${FAKE_BEDROCK_MODEL}`) => testCallContext(model, { ...options, params: { api_base: fake.url, ...params } });
  const hi: ChatRequest = { model: 'claude', messages: [{ role: 'user', content: 'hi' }] };

  before(async () => {
    fake = await startFakeBedrock();
  });
  afterEach(() => {
    for (const [k, v] of savedEnv) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    clearBedrockSigners();
  });
  after(async () => {
    await fake.close();
    await closePools();
  });

  it('is registered under bedrock/ and calls /model/{urlencoded id}/converse', async () => {
    assert.equal(adapterFor('bedrock'), bedrockProvider);
    fake.answerNext({ kind: 'text', text: 'Bonjour.', promptTokens: 11, completionTokens: 2 });
    const r = await bedrockProvider.chat({ ...hi, messages: [{ role: 'system', content: 'Be French.' }, { role: 'user', content: 'hi' }], max_tokens: 20 }, call());
    assert.equal(r.choices[0]?.message.content, 'Bonjour.');
    assert.deepEqual([r.usage?.prompt_tokens, r.usage?.completion_tokens, r.usage?.total_tokens], [11, 2, 13]);
    const req = fake.requests.at(-1)!;
    assert.equal(req.url, '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    assert.match(String(req.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=${FAKE_AWS_CREDENTIALS.accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request`));
    assert.deepEqual(req.body, { messages: [{ role: 'user', content: [{ text: 'hi' }] }], system: [{ text: 'Be French.' }], inferenceConfig: { maxTokens: 20 } });
  });

  it('builds the AWS endpoint from the region and strips the converse/ route', () => {
    assert.equal(bedrockModelId('converse/meta.llama3-70b-instruct-v1:0'), 'meta.llama3-70b-instruct-v1:0');
    const c = testCallContext('bedrock/converse/meta.llama3-70b-instruct-v1:0', { params: { aws_region_name: 'eu-west-3' } });
    assert.equal(converseUrl(c, 'eu-west-3', bedrockModelId(c.deployment.upstreamModel), true), 'https://bedrock-runtime.eu-west-3.amazonaws.com/model/meta.llama3-70b-instruct-v1%3A0/converse-stream');
  });

  it('signs with a session token from litellm_params', async () => {
    const withToken = await startFakeBedrock({ credentials: { ...FAKE_AWS_CREDENTIALS, sessionToken: 'session-token-1' } });
    try {
      const c = testCallContext(`bedrock/${FAKE_BEDROCK_MODEL}`, { params: { ...keys, api_base: withToken.url, aws_session_token: 'session-token-1' } });
      const r = await bedrockProvider.chat(hi, c);
      assert.equal(r.choices[0]?.message.content, 'hello from bedrock');
      assert.equal(withToken.requests.at(-1)!.headers['x-amz-security-token'], 'session-token-1');
    } finally {
      await withToken.close();
    }
  });

  it('resolves credentials and region through the standard AWS chain (environment)', async () => {
    process.env.AWS_ACCESS_KEY_ID = FAKE_AWS_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = FAKE_AWS_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = FAKE_AWS_REGION;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const r = await bedrockProvider.chat(hi, call({}));
    assert.equal(r.choices[0]?.message.content, 'hello from bedrock');
    const chunks = await collect(bedrockProvider.chatStream(hi, call({})));
    assert.equal(assemble(chunks).content, 'hello from bedrock');
  });

  it('a wrong secret fails the fake signature check → 401; no region → a config error', async () => {
    await assert.rejects(bedrockProvider.chat(hi, call({ ...keys, aws_secret_access_key: 'not-the-secret' })), isUpstream(401, (e) => e.options.type === 'InvalidSignatureException'));
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    await assert.rejects(bedrockProvider.chat(hi, call({ aws_access_key_id: 'a', aws_secret_access_key: 'b' })), isUpstream(500, (e) => e.options.code === 'config_error'));
  });

  it('streams text and tool calls from real eventstream frames; the last chunk carries usage', async () => {
    fake.answerNext({ kind: 'text', text: 'Streamed with ünïcode ✓ in pieces.', promptTokens: 9, completionTokens: 7 });
    const text = assemble(await collect(bedrockProvider.chatStream(hi, call())));
    assert.deepEqual([text.content, text.finish, text.usage?.total_tokens], ['Streamed with ünïcode ✓ in pieces.', 'stop', 16]);
    assert.equal(fake.requests.at(-1)!.path, `/model/${encodeURIComponent(FAKE_BEDROCK_MODEL)}/converse-stream`);
    fake.answerNext({ kind: 'tool_call', name: 'get_weather', arguments: { location: 'Paris, France' } });
    const tool = assemble(await collect(bedrockProvider.chatStream({ ...hi, tools: [WEATHER] }, call())));
    assert.deepEqual(tool.tools, [{ id: FAKE_BEDROCK_TOOL_USE_ID, name: 'get_weather', arguments: '{"location":"Paris, France"}' }]);
    assert.equal(tool.finish, 'tool_calls');
  });

  it('answers a tool call and accepts the follow-up turn with the tool result', async () => {
    fake.answerNext({ kind: 'tool_call', name: 'get_weather', arguments: { location: 'Paris' } });
    const first = await bedrockProvider.chat({ ...hi, tools: [WEATHER] }, call());
    const toolCall = first.choices[0]!.message.tool_calls![0]!;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    const r = await bedrockProvider.chat({ ...hi, tools: [WEATHER], messages: [...hi.messages, first.choices[0]!.message, { role: 'tool', tool_call_id: toolCall.id, content: '21°C' }] }, call());
    assert.equal(r.choices[0]?.message.content, 'hello from bedrock', 'the fake validated the alternating follow-up');
  });

  it('HTTP errors, mid-stream exceptions and truncated streams become UpstreamError', async () => {
    fake.answerNext({ kind: 'error', error: 'rate_limit' });
    await assert.rejects(bedrockProvider.chat(hi, call()), isUpstream(429));
    fake.answerNext({ kind: 'error', error: 'context_window' });
    await assert.rejects(collect(bedrockProvider.chatStream(hi, call())), isUpstream(400, (e) => e.options.code === 'context_length_exceeded'));
    fake.answerNext({ kind: 'error', error: 'content_policy' });
    await assert.rejects(bedrockProvider.chat(hi, call()), isUpstream(400, (e) => e.options.code === 'content_policy_violation'));
    fake.answerNext({ kind: 'stream_exception', exception: 'modelStreamErrorException', message: 'The model stream failed.' });
    await assert.rejects(collect(bedrockProvider.chatStream(hi, call())), isUpstream(502, (e) => e.options.type === 'ModelStreamErrorException'));
    fake.answerNext({ kind: 'truncated' });
    await assert.rejects(collect(bedrockProvider.chatStream(hi, call())), isUpstream(502, (e) => e.options.code === 'stream_truncated'));
  });

  it('the fake rejects malformed Converse requests like Bedrock does', async () => {
    const invalid = (body: Record<string, unknown>) => assert.throws(() => validateConverseRequest(body), /./);
    invalid({ messages: [{ role: 'user', content: [{ text: 'a' }] }], temperature: 1 });
    invalid({ messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'user', content: [{ text: 'b' }] }] });
    invalid({ messages: [{ role: 'assistant', content: [{ text: 'a' }] }] });
    invalid({ messages: [{ role: 'user', content: [{ text: ' ' }] }] });
    invalid({ messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ text: 'x' }] } }] }] });
    await assert.rejects(bedrockProvider.chat({ ...hi, messages: [] }, call()), isUpstream(400, (e) => e.options.type === 'ValidationException'));
  });

  it('stops the upstream request when the caller aborts a stalled stream', async () => {
    fake.answerNext({ kind: 'stall' });
    const controller = new AbortController();
    const stream = bedrockProvider.chatStream(hi, call(keys, { signal: controller.signal }))[Symbol.asyncIterator]();
    const first = await stream.next();
    assert.equal(first.value?.choices[0]?.delta.role, 'assistant');
    const upstream = fake.requests.at(-1)!;
    controller.abort();
    await assert.rejects(stream.next(), isUpstream(499));
    await upstream.closedEarly;
  });
});
