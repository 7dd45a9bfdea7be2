// Gemini and Vertex AI providers: OpenAI chat → generateContent translation (checked against the fake's copy of
// Google's validation), responses and streams back to OpenAI chat, Google's errors, usage; the adapters against the
// loopback fake, and Vertex's service-account JWT flow against the fake's token endpoint.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { geminiProvider, geminiUrl } from '../../gateway/providers/gemini/adapter.ts';
import { upstreamErrorFromGoogle } from '../../gateway/providers/gemini/errors.ts';
import { toGeminiRequest } from '../../gateway/providers/gemini/request.ts';
import { GeminiStreamToOpenAI, geminiResponseToOpenAI, usageFromGemini } from '../../gateway/providers/gemini/response.ts';
import { toGeminiSchema } from '../../gateway/providers/gemini/schema.ts';
import { signatureFromToolCallId, toolCallIdFor } from '../../gateway/providers/gemini/tool-ids.ts';
import { finishReasonFrom } from '../../gateway/providers/gemini/wire.ts';
import { vertexProvider, vertexUrl } from '../../gateway/providers/vertex/adapter.ts';
import { resetVertexAuth } from '../../gateway/providers/vertex/auth.ts';
import { adapterFor } from '../../gateway/providers/registry.ts';
import { closePools } from '../../gateway/providers/shared/http.ts';
import type { ChatRequest } from '../../core/llm.ts';
import { assemble, collect, isUpstream, testCallContext, type Json } from '../helpers/fake-upstreams.ts';
import { startFakeGemini, validateGenerateContent, type FakeGemini } from '../helpers/fakes/gemini.ts';

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a place',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: {
        location: { type: 'string', description: 'City' },
        unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] },
        when: { $ref: '#/$defs/When' },
        kind: { const: 'current' },
        days: { type: 'integer', minimum: 1, exclusiveMaximum: 15 },
        tags: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { k: { type: 'string' } } } },
        either: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['location', 'missing'],
      $defs: { When: { type: 'string', format: 'date-time', examples: ['2025-01-01T00:00:00Z'] } },
    },
  },
};

const req = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], ...over });

describe('OpenAI chat → Gemini generateContent', () => {
  it('system/developer → systemInstruction, roles user/model, content parts, accepted by the validator', () => {
    const body = toGeminiRequest(
      req({
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.webp' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
            ],
          },
          { role: 'assistant', content: 'A cat.' },
          { role: 'user', content: 'Thanks' },
        ],
      }),
    );
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be terse.' }, { text: 'Answer in French.' }] });
    assert.deepEqual(body.contents, [
      {
        role: 'user',
        parts: [
          { text: 'What is this?' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
        ],
      },
      { role: 'model', parts: [{ text: 'A cat.' }] },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
    assert.equal(validateGenerateContent(body as unknown as Json, 'gemini'), undefined);
  });

  it('sampling params → generationConfig; response_format json_schema → responseMimeType + responseSchema', () => {
    const body = toGeminiRequest(
      req({
        temperature: 0.3,
        top_p: 0.9,
        max_tokens: 100,
        max_completion_tokens: 200,
        stop: ['END'],
        n: 2,
        seed: 7,
        presence_penalty: 0.5,
        user: 'u-1',
        response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: { type: 'object', additionalProperties: false, properties: { a: { type: 'integer' } }, required: ['a'] } } },
      }),
    );
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 200,
      temperature: 0.3,
      topP: 0.9,
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      stopSequences: ['END'],
      responseMimeType: 'application/json',
      responseSchema: { type: 'OBJECT', properties: { a: { type: 'INTEGER' } }, required: ['a'] },
    });
    assert.equal(validateGenerateContent(body as unknown as Json, 'gemini'), undefined);
    assert.deepEqual(toGeminiRequest(req({ response_format: { type: 'json_object' } })).generationConfig, { responseMimeType: 'application/json' });
    assert.deepEqual(toGeminiRequest(req({ reasoning_effort: 'low' })).generationConfig, { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } });
    assert.deepEqual(toGeminiRequest(req({ reasoning_effort: 'none' })).generationConfig, { thinkingConfig: { thinkingBudget: 0 } });
  });

  it('tools: JSON Schema → Gemini Schema, the keywords Google rejects removed', () => {
    const raw = { contents: [{ role: 'user', parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: WEATHER.function.parameters }] }] };
    const refused = validateGenerateContent(raw, 'gemini');
    assert.ok(refused?.kind === 'json' && refused.status === 400 && JSON.stringify(refused.body).includes('Unknown name \\"$schema\\"'), 'the fake refuses raw JSON Schema like Google');
    const body = toGeminiRequest(req({ tools: [WEATHER, { type: 'function', function: { name: 'no_params', parameters: { type: 'object', properties: {} } } }] }));
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a place',
            parameters: {
              type: 'OBJECT',
              properties: {
                location: { type: 'STRING', description: 'City' },
                unit: { type: 'STRING', enum: ['celsius', 'fahrenheit'], nullable: true },
                when: { type: 'STRING', format: 'date-time' },
                kind: { enum: ['current'], type: 'STRING' },
                days: { type: 'INTEGER', minimum: 1 },
                tags: { type: 'ARRAY', items: { type: 'OBJECT', properties: { k: { type: 'STRING' } } } },
                either: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
              },
              required: ['location'],
            },
          },
          { name: 'no_params' },
        ],
      },
    ]);
    assert.equal(validateGenerateContent(body as unknown as Json, 'gemini'), undefined);
    assert.deepEqual(toGeminiSchema({ type: 'integer', enum: [1, 2] }), { type: 'INTEGER', enum: ['1', '2'], format: 'enum' });
  });

  it('tool_choice → toolConfig.functionCallingConfig', () => {
    const choice = (tool_choice: unknown) => toGeminiRequest(req({ tools: [WEATHER], tool_choice })).toolConfig;
    assert.deepEqual(choice('auto'), { functionCallingConfig: { mode: 'AUTO' } });
    assert.deepEqual(choice('none'), { functionCallingConfig: { mode: 'NONE' } });
    assert.deepEqual(choice('required'), { functionCallingConfig: { mode: 'ANY' } });
    assert.deepEqual(choice({ type: 'function', function: { name: 'get_weather' } }), { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    assert.equal(choice(undefined), undefined);
  });

  it('assistant tool calls → functionCall parts (signature restored), tool results → one functionResponse turn', () => {
    const signed = toolCallIdFor(undefined, 'c2ln');
    assert.equal(signatureFromToolCallId(signed), 'c2ln');
    const body = toGeminiRequest(
      req({
        tools: [WEATHER],
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: signed, type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: signed, content: '{"temp":21}' },
          { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
        ],
      }),
    );
    assert.deepEqual(body.contents.slice(1), [
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'c2ln' },
          { functionCall: { name: 'get_weather', args: { location: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }, { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }],
      },
    ]);
    assert.equal(validateGenerateContent(body as unknown as Json, 'gemini'), undefined);
    assert.throws(() => toGeminiRequest(req({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] })), isUpstream(400));
  });
});

describe('Gemini response → OpenAI chat', () => {
  it('text, thoughts as reasoning_content, function calls as tool_calls, usage', () => {
    const res = geminiResponseToOpenAI(
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Planning…', thought: true }, { text: 'Calling.' }, { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'sig' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 10, thoughtsTokenCount: 25, totalTokenCount: 135 },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'abc',
      },
      'gemini-2.5-flash',
    );
    assert.equal(res.id, 'chatcmpl-abc');
    assert.equal(res.model, 'gemini-2.5-flash-001');
    const choice = res.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Calling.');
    assert.equal(choice.message.reasoning_content, 'Planning…');
    assert.equal(choice.message.tool_calls?.[0]?.function.name, 'get_weather');
    assert.equal(choice.message.tool_calls?.[0]?.function.arguments, '{"location":"Paris"}');
    assert.equal(signatureFromToolCallId(choice.message.tool_calls?.[0]?.id), 'sig');
    assert.deepEqual(res.usage, { prompt_tokens: 100, completion_tokens: 35, total_tokens: 135, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 25 } });
  });

  it('finish reasons', () => {
    const table: Array<[string, boolean, string]> = [
      ['STOP', false, 'stop'],
      ['STOP', true, 'tool_calls'],
      ['MAX_TOKENS', false, 'length'],
      ['SAFETY', false, 'content_filter'],
      ['RECITATION', false, 'content_filter'],
      ['BLOCKLIST', false, 'content_filter'],
      ['PROHIBITED_CONTENT', false, 'content_filter'],
      ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ];
    for (const [reason, tools, expected] of table) assert.equal(finishReasonFrom(reason, tools), expected, reason);
    assert.equal(finishReasonFrom(undefined, false), null);
  });

  it('a blocked prompt is a content-policy error; usage without metadata is zero', () => {
    assert.throws(() => geminiResponseToOpenAI({ promptFeedback: { blockReason: 'SAFETY' } }, 'm'), isUpstream(400, (e) => e.options.code === 'content_policy_violation'));
    assert.deepEqual(usageFromGemini(undefined), { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
  });

  it('stream translator: role chunk, deltas, tool call, finish, usage chunk; in-stream error throws', () => {
    const t = new GeminiStreamToOpenAI('m');
    const chunks = [
      ...t.push({ candidates: [{ content: { parts: [{ text: 'Hel' }] } }], usageMetadata: { promptTokenCount: 5 } }),
      ...t.push({ candidates: [{ content: { parts: [{ text: 'lo' }, { functionCall: { name: 'f', args: { a: 1 } } }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 } }),
    ];
    assert.ok(t.done);
    chunks.push(t.usageChunk());
    const all = assemble(chunks);
    assert.equal(all.content, 'Hello');
    assert.deepEqual(all.tools.map((x) => [x.name, x.arguments]), [['f', '{"a":1}']]);
    assert.equal(all.finish, 'tool_calls');
    assert.deepEqual([all.usage?.prompt_tokens, all.usage?.completion_tokens, all.usage?.total_tokens], [5, 3, 8]);
    assert.throws(() => new GeminiStreamToOpenAI('m').push({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }), isUpstream(503));
  });

  it('Google error bodies → UpstreamError status, code and retry delay', () => {
    const rate = upstreamErrorFromGoogle({ code: 429, status: 'RESOURCE_EXHAUSTED', message: 'quota', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' }] }, 429, {});
    assert.deepEqual([rate.status, rate.options.retryAfterMs, rate.options.code], [429, 37_000, 'RESOURCE_EXHAUSTED']);
    const key = upstreamErrorFromGoogle({ code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid.', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] }, 400, {});
    assert.equal(key.status, 401);
    const ctx = upstreamErrorFromGoogle({ code: 400, status: 'INVALID_ARGUMENT', message: 'The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).' }, 400, {});
    assert.equal(ctx.options.code, 'context_length_exceeded');
    assert.equal(upstreamErrorFromGoogle({ status: 'PERMISSION_DENIED', message: 'no' }, undefined, {}).status, 403);
    assert.equal(upstreamErrorFromGoogle({ status: 'UNAUTHENTICATED', message: 'no' }, undefined, {}).status, 401);
  });
});

describe('gemini adapter against the fake', () => {
  let fake: FakeGemini;
  const call = (options: { params?: Record<string, unknown>; signal?: AbortSignal } = {}) => testCallContext('gemini/gemini-2.5-flash', { ...options, params: { api_base: fake.url, api_key: fake.apiKey, ...options.params } });
  before(async () => {
    fake = await startFakeGemini('gemini');
  });
  after(async () => {
    await fake.close();
    await closePools();
  });

  it('is registered and builds the AI Studio URL', () => {
    assert.equal(adapterFor('gemini'), geminiProvider);
    assert.equal(adapterFor('vertex_ai'), vertexProvider);
    assert.equal(geminiUrl('generateContent', testCallContext('gemini/models/gemini-2.5-pro')), 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent');
    assert.equal(geminiUrl('generateContent', testCallContext('gemini/x', { params: { api_base: 'http://h/v1/' } })), 'http://h/v1/models/x:generateContent');
  });

  it('chat: the request Google receives and the answer the client gets', async () => {
    const res = await geminiProvider.chat(req({ messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'hello there' }], max_tokens: 50 }), call());
    const sent = fake.last();
    assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], fake.apiKey);
    assert.deepEqual(sent.body, { contents: [{ role: 'user', parts: [{ text: 'hello there' }] }], systemInstruction: { parts: [{ text: 'Be nice.' }] }, generationConfig: { maxOutputTokens: 50 } });
    assert.equal(res.choices[0]?.message.content, 'Echo: hello there');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok(res.usage!.prompt_tokens > 0 && res.usage!.completion_tokens > 0);
  });

  it('stream: awkwardly split SSE → chunks, the last one carries usage', async () => {
    const text = 'A streamed answer — with ünïcode ✓ and more words.';
    fake.answerNext({ kind: 'text', text, promptTokens: 11, completionTokens: 9 });
    const chunks = await collect(geminiProvider.chatStream(req({ stream: true }), call()));
    assert.equal(fake.last().url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    const all = assemble(chunks);
    assert.equal(all.content, text);
    assert.equal(all.finish, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual([all.usage?.prompt_tokens, all.usage?.completion_tokens], [11, 9]);
  });

  it('thinking: thoughts stream as reasoning_content, counted as reasoning tokens', async () => {
    fake.answerNext({ kind: 'thinking', thoughts: 'Let me think.', text: 'Done.', thoughtsTokens: 30 });
    const chunks = await collect(geminiProvider.chatStream(req({ reasoning_effort: 'medium' }), call()));
    assert.deepEqual((fake.last().body.generationConfig as Json).thinkingConfig, { includeThoughts: true, thinkingBudget: 2048 });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join(''), 'Let me think.');
    assert.equal(assemble(chunks).content, 'Done.');
    assert.equal((chunks.at(-1)?.usage?.completion_tokens_details as Json).reasoning_tokens, 30);
    fake.answerNext({ kind: 'thinking', thoughts: 'Hmm.', text: 'Yes.', thoughtsTokens: 4 });
    const plain = await geminiProvider.chat(req({}), call());
    assert.deepEqual([plain.choices[0]?.message.content, plain.choices[0]?.message.reasoning_content], ['Yes.', 'Hmm.']);
  });

  it('tools: a function call (plain and streamed), then the answer to the tool result', async () => {
    const first = await geminiProvider.chat(req({ messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER], tool_choice: 'auto' }), call());
    const tc = first.choices[0]!.message.tool_calls![0]!;
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(JSON.parse(tc.function.arguments), { location: 'Paris, France', unit: 'celsius' });
    // The fake signed the call: the id carries the signature back on the next turn.
    const second = await geminiProvider.chat(
      req({ messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: null, tool_calls: [tc] }, { role: 'tool', tool_call_id: tc.id, content: '{"temp":21}' }], tools: [WEATHER] }),
      call(),
    );
    const turns = fake.last().body.contents as Json[];
    assert.equal((turns[1]!.parts as Json[])[0]!.thoughtSignature, 'c2lnbmF0dXJlLW9mLXRoZS1jYWxs');
    assert.equal(second.choices[0]?.finish_reason, 'stop');
    const streamed = assemble(await collect(geminiProvider.chatStream(req({ tools: [WEATHER] }), call())));
    assert.equal(streamed.finish, 'tool_calls');
    assert.equal(streamed.tools[0]?.name, 'get_weather');
  });

  it('finish reasons from the wire: MAX_TOKENS → length, SAFETY → content_filter', async () => {
    fake.answerNext({ kind: 'finish', text: 'cut', finishReason: 'MAX_TOKENS' }, { kind: 'finish', text: 'filtered', finishReason: 'SAFETY' });
    assert.equal((await geminiProvider.chat(req({}), call())).choices[0]?.finish_reason, 'length');
    assert.equal(assemble(await collect(geminiProvider.chatStream(req({}), call()))).finish, 'content_filter');
  });

  it('errors: each class → status and code, plain and streamed', async () => {
    const cases: Array<[Parameters<FakeGemini['answerNext']>[0], number, string | undefined]> = [
      [{ kind: 'error', error: 'auth' }, 401, 'API_KEY_INVALID'],
      [{ kind: 'error', error: 'rate_limit' }, 429, 'RESOURCE_EXHAUSTED'],
      [{ kind: 'error', error: 'bad_request' }, 400, 'INVALID_ARGUMENT'],
      [{ kind: 'error', error: 'server' }, 500, 'INTERNAL'],
      [{ kind: 'error', error: 'context_window' }, 400, 'context_length_exceeded'],
      [{ kind: 'error', error: 'content_policy' }, 400, 'content_policy_violation'],
    ];
    for (const [answer, status, code] of cases) {
      fake.answerNext(answer);
      await assert.rejects(geminiProvider.chat(req({}), call()), isUpstream(status, (e) => e.options.code === code));
      fake.answerNext(answer);
      await assert.rejects(collect(geminiProvider.chatStream(req({}), call())), isUpstream(status, (e) => e.options.code === code));
    }
    fake.answerNext({ kind: 'error', error: 'rate_limit' });
    await assert.rejects(geminiProvider.chat(req({}), call()), isUpstream(429, (e) => e.options.retryAfterMs === 50));
    await assert.rejects(geminiProvider.chat(req({}), call({ params: { api_key: 'AIza-wrong' } })), isUpstream(401));
    // What Google itself refuses (here: an empty prompt) comes back as its 400.
    await assert.rejects(geminiProvider.chat(req({ messages: [] }), call()), isUpstream(400, (e) => /contents is not specified/.test(e.message)));
  });

  it('a stream that ends without a finishReason is truncated (502)', async () => {
    fake.answerNext({ kind: 'truncated', responses: [{ candidates: [{ content: { role: 'model', parts: [{ text: 'partial' }] } }] }] });
    await assert.rejects(collect(geminiProvider.chatStream(req({}), call())), isUpstream(502, (e) => e.options.code === 'stream_truncated'));
  });

  it('embeddings: batchEmbedContents, dimensions and base64', async () => {
    const res = await geminiProvider.embeddings!({ model: 'e', input: ['one', 'three'], dimensions: 3 }, testCallContext('gemini/gemini-embedding-001', { params: { api_base: fake.url, api_key: fake.apiKey } }));
    assert.equal(fake.last().path, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.deepEqual(res.data.map((d) => d.embedding), [
      [0.03, 0.04, 0.05],
      [0.05, 0.06, 0.07],
    ]);
    assert.ok(res.usage.prompt_tokens > 0);
    const b64 = await geminiProvider.embeddings!({ model: 'e', input: 'one', encoding_format: 'base64' }, testCallContext('gemini/gemini-embedding-001', { params: { api_base: fake.url, api_key: fake.apiKey } }));
    assert.equal(typeof b64.data[0]?.embedding, 'string');
  });
});

describe('vertex_ai adapter: URL and service-account auth against the fake token endpoint', () => {
  let fake: FakeGemini;
  const params = () => ({ api_base: fake.url, vertex_project: fake.project, vertex_location: fake.location, vertex_credentials: JSON.stringify(fake.serviceAccount) });
  before(async () => {
    resetVertexAuth();
    fake = await startFakeGemini('vertex');
  });
  after(async () => {
    resetVertexAuth();
    await fake.close();
    await closePools();
  });

  it('builds regional, global and api_base URLs', () => {
    const c = (p: Record<string, unknown>) => testCallContext('vertex_ai/gemini-2.5-pro', { params: p });
    assert.equal(vertexUrl('generateContent', c({}), 'proj'), 'https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent');
    assert.equal(vertexUrl('streamGenerateContent', c({ vertex_location: 'global' }), 'proj'), 'https://aiplatform.googleapis.com/v1/projects/proj/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent');
    assert.equal(vertexUrl('generateContent', c({ api_base: 'http://proxy/v1/projects/p/locations/l/publishers/google/models/m' }), 'proj'), 'http://proxy/v1/projects/p/locations/l/publishers/google/models/m:generateContent');
    assert.throws(() => vertexUrl('generateContent', c({}), undefined), isUpstream(500, (e) => e.options.code === 'config_error'));
  });

  it('runs the JWT grant once, then reuses the bearer token (chat and stream)', async () => {
    const vcall = testCallContext('vertex_ai/gemini-2.5-flash', { params: params() });
    const res = await vertexProvider.chat(req({ messages: [{ role: 'user', content: 'hi vertex' }] }), vcall);
    assert.equal(res.choices[0]?.message.content, 'Echo: hi vertex');
    const sent = fake.last();
    assert.equal(sent.path, `/v1/projects/${fake.project}/locations/${fake.location}/publishers/google/models/gemini-2.5-flash:generateContent`);
    assert.equal(fake.tokensIssued.length, 1);
    assert.equal(sent.headers.authorization, `Bearer ${fake.tokensIssued[0]}`);
    const streamed = assemble(await collect(vertexProvider.chatStream(req({ messages: [{ role: 'user', content: 'stream vertex' }] }), vcall)));
    assert.equal(streamed.content, 'Echo: stream vertex');
    assert.equal(fake.tokenRequests().length, 1, 'the token is cached by the auth client');
    assert.equal(fake.last().headers.authorization, `Bearer ${fake.tokensIssued[0]}`);
  });

  it('credentials from a key file path; the project comes from the key when unset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-vertex-'));
    const file = join(dir, 'sa.json');
    writeFileSync(file, JSON.stringify(fake.serviceAccount));
    const res = await vertexProvider.chat(req({ messages: [{ role: 'user', content: 'from file' }] }), testCallContext('vertex_ai/gemini-2.5-flash', { params: { api_base: fake.url, vertex_location: fake.location, vertex_credentials: file } }));
    assert.equal(res.choices[0]?.message.content, 'Echo: from file');
  });

  it('a key Google does not know → 401 from the token endpoint; unreadable credentials → 500 config error', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forged = JSON.stringify({ ...fake.serviceAccount, private_key: privateKey });
    await assert.rejects(vertexProvider.chat(req({}), testCallContext('vertex_ai/gemini-2.5-flash', { params: { ...params(), vertex_credentials: forged } })), isUpstream(401, (e) => /Invalid JWT Signature/.test(e.message)));
    await assert.rejects(vertexProvider.chat(req({}), testCallContext('vertex_ai/gemini-2.5-flash', { params: { ...params(), vertex_credentials: '/nonexistent/sa.json' } })), isUpstream(500, (e) => e.options.code === 'config_error'));
  });

  it('Vertex errors: 401 UNAUTHENTICATED for a token it did not issue', async () => {
    fake.answerNext({ kind: 'error', error: 'auth' });
    await assert.rejects(vertexProvider.chat(req({}), testCallContext('vertex_ai/gemini-2.5-flash', { params: params() })), isUpstream(401));
  });
});
