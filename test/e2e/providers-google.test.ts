// The official `openai` SDK, unmodified, through the gateway to `gemini/…` and `vertex_ai/…` deployments whose real
// adapters talk to the loopback generateContent fake (Vertex through the real service-account JWT flow): text,
// streams, tool calls and their results, json_schema answers, embeddings; and the Anthropic SDK on a Gemini model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { testGateway, type TestGateway } from '../helpers/app.ts';
import { closePools } from '../../gateway/providers/shared/http.ts';
import { resetVertexAuth } from '../../gateway/providers/vertex/auth.ts';
import type { Json } from '../helpers/fake-upstreams.ts';
import { startFakeGemini, type FakeGemini } from '../helpers/fakes/gemini.ts';

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    strict: true,
    parameters: { type: 'object', additionalProperties: false, properties: { location: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] } }, required: ['location', 'unit'] },
  },
};

describe('OpenAI SDK → gateway → Gemini / Vertex AI', () => {
  let gemini: FakeGemini;
  let vertex: FakeGemini;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    resetVertexAuth();
    [gemini, vertex] = await Promise.all([startFakeGemini('gemini'), startFakeGemini('vertex')]);
    const config = {
      model_list: [
        { model_name: 'gemini-flash', litellm_params: { model: 'gemini/gemini-2.5-flash', api_base: gemini.url, api_key: gemini.apiKey } },
        { model_name: 'gemini-embed', litellm_params: { model: 'gemini/gemini-embedding-001', api_base: gemini.url, api_key: gemini.apiKey } },
        {
          model_name: 'vertex-flash',
          litellm_params: { model: 'vertex_ai/gemini-2.5-flash', api_base: vertex.url, vertex_project: vertex.project, vertex_location: vertex.location, vertex_credentials: JSON.stringify(vertex.serviceAccount) },
        },
      ],
      router_settings: { num_retries: 0 },
      helix_settings: { pii_protection: { enabled: false } },
    };
    gw = await testGateway(JSON.stringify(config));
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    const address = gw.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-client', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: base, apiKey: 'sk-client', maxRetries: 0 });
  });
  after(async () => {
    await gw?.app.close();
    await Promise.all([gemini?.close(), vertex?.close()]);
    await closePools();
    resetVertexAuth();
  });

  for (const [model, fake] of [
    ['gemini-flash', () => gemini],
    ['vertex-flash', () => vertex],
  ] as const) {
    it(`${model}: text and stream`, async () => {
      const r = await openai.chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }], temperature: 0.2 });
      assert.equal(r.choices[0]?.message.content, 'Echo: hello there');
      assert.equal(r.choices[0]?.finish_reason, 'stop');
      assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens);
      assert.deepEqual(fake().last().body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
      const stream = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'stream this, please — ✓' }], stream: true, stream_options: { include_usage: true } });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Echo: stream this, please — ✓');
      assert.ok((chunks.at(-1)?.usage?.completion_tokens ?? 0) > 0, 'the last chunk carries usage');
    });

    it(`${model}: tools, plain and streamed, then the tool result`, async () => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const r = await openai.chat.completions.create({ model, messages, tools: [weather], tool_choice: 'required' });
      const call = r.choices[0]!.message.tool_calls![0]!;
      assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call.type === 'function' && call.function.name === 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris, France', unit: 'celsius' });
      const sent = fake().last().body;
      assert.deepEqual(sent.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
      assert.ok(!JSON.stringify(sent.tools).includes('additionalProperties'), 'Google-rejected keywords are stripped');

      const final = await openai.chat.completions.stream({ model, messages, tools: [weather] }).finalChatCompletion();
      const streamed = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(streamed?.type === 'function' && streamed.function.name === 'get_weather');
      assert.equal(final.choices[0]?.finish_reason, 'tool_calls');

      const answered = await openai.chat.completions.create({
        model,
        tools: [weather],
        messages: [...messages, r.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature":21}' }],
      });
      assert.equal(answered.choices[0]?.finish_reason, 'stop');
      const turns = fake().last().body.contents as Json[];
      assert.deepEqual(turns.map((t) => t.role), ['user', 'model', 'user']);
      assert.deepEqual((turns[2]!.parts as Json[])[0], { functionResponse: { name: 'get_weather', response: { temperature: 21 } } });
    });
  }

  it('json_schema response_format → responseSchema', async () => {
    gemini.answerNext({ kind: 'text', text: '{"city":"Paris"}', promptTokens: 5, completionTokens: 4 });
    const r = await openai.chat.completions.create({
      model: 'gemini-flash',
      messages: [{ role: 'user', content: 'City?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } }, required: ['city'] } } },
    });
    assert.deepEqual(JSON.parse(r.choices[0]!.message.content!), { city: 'Paris' });
    assert.deepEqual(gemini.last().body.generationConfig, { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } });
  });

  it('errors reach the SDK as its classes', async () => {
    gemini.answerNext({ kind: 'error', error: 'context_window' });
    await assert.rejects(openai.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'too long' }] }), (e: unknown) => e instanceof OpenAI.BadRequestError);
    vertex.answerNext({ kind: 'error', error: 'rate_limit' });
    await assert.rejects(openai.chat.completions.create({ model: 'vertex-flash', messages: [{ role: 'user', content: 'slow down' }] }), (e: unknown) => e instanceof OpenAI.RateLimitError);
  });

  it('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const r = await openai.embeddings.create({ model: 'gemini-embed', input: ['one', 'three'], dimensions: 3 });
    assert.equal(r.data.length, 2);
    assert.deepEqual(
      r.data[0]!.embedding.map((x) => Math.round(x * 100) / 100),
      [0.03, 0.04, 0.05],
    );
  });

  it('the Anthropic SDK on a Gemini model (translated both ways)', async () => {
    const msg = await anthropic.messages.create({ model: 'gemini-flash', max_tokens: 64, messages: [{ role: 'user', content: 'hi from claude code' }] });
    assert.deepEqual(msg.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['Echo: hi from claude code']);
    assert.equal(msg.stop_reason, 'end_turn');
  });
});
