// The official openai SDK's Responses API (responses.create, responses.stream, create({stream: true})) against an
// in-process gateway whose models are the built-in mock, the OpenAI fake and the Anthropic fake (translated path):
// text, streaming events, tools round trip, text.format, max_output_tokens → incomplete, bad input → 400, the
// response event, and previous_response_id through Redis across two gateways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { buildApp, createRouter } from '../../gateway/app.ts';
import { parseConfig, runtimeEnv } from '../../lib/config.ts';
import type { HelixEvent } from '../../schemas/events.ts';
import { FAKE_ANTHROPIC_TOOL_INPUT, FAKE_OPENAI_TOOL_ARGS, startFakeAnthropic, startFakeOpenAI, type FakeUpstream, type Json } from '../helpers/fake-upstreams.ts';

const redisUrl = process.env.HELIX_REDIS_URL;
const weather = { type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false, parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };
const schemaFormat = { type: 'json_schema' as const, name: 'answer', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } };

interface Served {
  url: string;
  app: FastifyInstance;
  events: HelixEvent[];
}

/** The real app and router (like test/helpers/app.ts), here with the gateway's Redis so responses can be stored. */
async function serve(yaml: string, redis: Redis | undefined): Promise<Served> {
  const config = { ...parseConfig(parse(yaml), process.env), env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test' }) };
  const events: HelixEvent[] = [];
  const health = { shuttingDown: () => false, components: async () => ({}) };
  const app = await buildApp({ config, events: { emit: (e) => events.push(e) }, router: createRouter(config), health, redis });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, app, events };
}

/** `store` is echoed like the API does; this SDK version's Response type does not list it. */
const stored = (r: OpenAI.Responses.Response) => (r as unknown as { store: boolean }).store;
const lastMessages = (fake: FakeUpstream) => fake.last().body.messages as Json[];

void describe('POST /v1/responses with the official openai SDK', { skip: !redisUrl && 'HELIX_REDIS_URL not set' }, () => {
  let fakeOpenAI: FakeUpstream;
  let fakeAnthropic: FakeUpstream;
  let redis: Redis;
  let a: Served;
  let b: Served;
  let noStore: Served;
  let client: OpenAI;

  before(async () => {
    [fakeOpenAI, fakeAnthropic] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    const yaml = `model_list:
  - model_name: mock-echo
    litellm_params: { model: mock/echo }
  # An OpenAI-style upstream without /v1/responses: the translated path (responses-native.test.ts covers openai/).
  - model_name: gpt-4o
    litellm_params: { model: openai_compatible/gpt-4o, api_base: "${fakeOpenAI.url}/v1", api_key: sk-upstream }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${fakeAnthropic.url}", api_key: sk-ant-upstream }
router_settings: { num_retries: 0 }
`;
    [a, b, noStore] = await Promise.all([serve(yaml, redis), serve(yaml, redis), serve(yaml, undefined)]);
    client = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'sk-any', maxRetries: 0 });
  });
  after(async () => {
    await Promise.all([a?.app.close(), b?.app.close(), noStore?.app.close()]);
    redis?.disconnect();
    await Promise.all([fakeOpenAI?.close(), fakeAnthropic?.close()]);
  });

  const models = [
    { model: 'mock-echo', reply: (text: string) => text },
    { model: 'gpt-4o', reply: (text: string) => `Echo: ${text}` },
    { model: 'claude', reply: (text: string) => `Echo: ${text}` },
  ];

  for (const { model, reply } of models) {
    it(`${model}: responses.create answers a Response object with usage and the echoed request fields`, async () => {
      const r = await client.responses.create({ model, input: 'hello there', instructions: 'be brief', temperature: 0.5, max_output_tokens: 500, metadata: { run: 'one' }, user: 'u-1' });
      assert.match(r.id, /^resp_/);
      assert.equal(r.object, 'response');
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, reply('hello there'));
      const message = r.output[0]!;
      assert.equal(message.type, 'message');
      assert.ok(message.type === 'message' && message.role === 'assistant' && message.id.startsWith('msg_'));
      assert.deepEqual(message.type === 'message' && message.content[0], { type: 'output_text', text: reply('hello there'), annotations: [], logprobs: [] });
      assert.ok(r.usage!.input_tokens > 0 && r.usage!.output_tokens > 0);
      assert.equal(r.usage!.total_tokens, r.usage!.input_tokens + r.usage!.output_tokens);
      assert.equal(r.usage!.input_tokens_details.cached_tokens, 0);
      assert.equal(r.usage!.output_tokens_details.reasoning_tokens, 0);
      assert.equal(r.instructions, 'be brief');
      assert.equal(r.temperature, 0.5);
      assert.equal(r.max_output_tokens, 500);
      assert.deepEqual(r.metadata, { run: 'one' });
      assert.equal(r.model, model);
      assert.equal(stored(r), true);
      assert.equal(r.error, null);
      assert.equal(r.incomplete_details, null);
      assert.equal(r.previous_response_id, null);
      assert.deepEqual(r.tools, []);
      assert.equal(r.tool_choice, 'auto');
      assert.deepEqual(r.text, { format: { type: 'text' } });
      assert.equal(r.parallel_tool_calls, true);
    });

    it(`${model}: responses.create({stream: true}) sends the typed events in order`, async () => {
      const stream = await client.responses.create({ model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream this please' }] }], stream: true });
      const types: string[] = [];
      const seqs: number[] = [];
      let text = '';
      let final: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        types.push(event.type);
        seqs.push(event.sequence_number);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') final = event.response;
      }
      assert.deepEqual(seqs, [...seqs.keys()], 'sequence numbers count up from 0');
      const shape = types.filter((t, i) => t !== 'response.output_text.delta' || types[i - 1] !== t);
      assert.deepEqual(shape, [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      assert.equal(text, reply('stream this please'));
      assert.equal(final?.status, 'completed');
      assert.ok(final!.usage!.output_tokens > 0 && final!.usage!.input_tokens > 0);
      const item = final!.output[0]!;
      assert.ok(item.type === 'message' && item.content[0]?.type === 'output_text' && item.content[0].text === text);
    });

    it(`${model}: responses.stream reassembles the final response`, async () => {
      const runner = client.responses.stream({ model, input: 'assemble me' });
      let deltas = '';
      runner.on('response.output_text.delta', (e) => (deltas += e.delta));
      const final = await runner.finalResponse();
      assert.equal(final.output_text, reply('assemble me'));
      assert.equal(deltas, reply('assemble me'));
      assert.match(final.id, /^resp_/);
    });
  }

  const toolFakes = [
    { model: 'gpt-4o', fake: () => fakeOpenAI, args: FAKE_OPENAI_TOOL_ARGS },
    { model: 'claude', fake: () => fakeAnthropic, args: JSON.stringify(FAKE_ANTHROPIC_TOOL_INPUT) },
  ];
  for (const { model, fake, args } of toolFakes) {
    it(`${model}: function calls round trip with function_call_output (plain and streamed)`, async () => {
      const first = await client.responses.create({ model, input: 'weather in Paris?', tools: [weather], tool_choice: 'auto', parallel_tool_calls: false });
      const call = first.output.find((o) => o.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      assert.equal(call.name, 'get_weather');
      assert.equal(call.arguments, args);
      assert.match(call.id!, /^fc_/);
      assert.ok(call.call_id);
      assert.equal(call.status, 'completed');
      assert.equal(first.tools.length, 1);

      const second = await client.responses.create({
        model,
        tools: [weather],
        input: [{ role: 'user', content: 'weather in Paris?' }, { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }, { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }],
      });
      if (model === 'gpt-4o') {
        assert.equal(second.output_text, 'Echo: weather in Paris?');
        const sent = lastMessages(fakeOpenAI);
        assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'tool']);
        assert.equal(sent[2]!.tool_call_id, call.call_id);
        assert.equal((sent[1]!.tool_calls as Json[])[0]!.id, call.call_id);
      } else {
        // The Anthropic fake echoes the last user turn's text: here a tool_result only.
        assert.equal(second.output_text, 'Echo: ');
        const sent = fake().last().body.messages as Json[];
        assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user']);
        assert.deepEqual((sent[2]!.content as Json[])[0], { type: 'tool_result', tool_use_id: call.call_id, content: '{"temp":21}' });
      }

      const runner = client.responses.stream({ model, input: 'weather?', tools: [weather] });
      const argDeltas: string[] = [];
      runner.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
      const final = await runner.finalResponse();
      const streamed = final.output.find((o) => o.type === 'function_call');
      assert.ok(streamed && streamed.type === 'function_call');
      assert.equal(streamed.arguments, args);
      assert.equal(argDeltas.join(''), args);
    });

    it(`${model}: max_output_tokens cut short → status incomplete (plain and streamed)`, async () => {
      const f = fake();
      if (model === 'gpt-4o') {
        f.enqueue({ kind: 'json', body: { id: 'chatcmpl-x', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'Once upon' }, finish_reason: 'length' }], usage: { prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 } } });
      } else {
        f.enqueue({ kind: 'json', body: { id: 'msg_x', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'Once upon' }], stop_reason: 'max_tokens', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 16 } } });
      }
      const r = await client.responses.create({ model, input: 'tell a long story', max_output_tokens: 16 });
      assert.equal(r.status, 'incomplete');
      assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
      assert.equal(r.output_text, 'Once upon');
      assert.equal(f.last().body.max_tokens, 16);
      assert.equal(r.usage!.output_tokens, 16);
    });
  }

  it('streamed max_output_tokens → response.incomplete', async () => {
    const chunk = (delta: Json, finish: string | null) => ({ data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] } });
    fakeOpenAI.enqueue({ kind: 'sse', events: [chunk({ role: 'assistant', content: 'Once' }, null), chunk({ content: ' upon' }, 'length'), { data: '[DONE]' }] });
    const types: string[] = [];
    let final: OpenAI.Responses.Response | undefined;
    for await (const e of await client.responses.create({ model: 'gpt-4o', input: 'story', max_output_tokens: 16, stream: true })) {
      types.push(e.type);
      if (e.type === 'response.incomplete') final = e.response;
    }
    assert.equal(types.at(-1), 'response.incomplete');
    assert.equal(final?.status, 'incomplete');
    assert.deepEqual(final?.incomplete_details, { reason: 'max_output_tokens' });
  });

  it('text.format json_schema and json_object pass through as response_format', async () => {
    const r = await client.responses.create({ model: 'gpt-4o', input: 'json please', text: { format: schemaFormat } });
    assert.deepEqual(fakeOpenAI.last().body.response_format, { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: schemaFormat.schema } });
    assert.deepEqual(r.text?.format, schemaFormat);
    await client.responses.create({ model: 'gpt-4o', input: 'json please', text: { format: { type: 'json_object' } } });
    assert.deepEqual(fakeOpenAI.last().body.response_format, { type: 'json_object' });
  });

  it('a mid-stream upstream failure ends in response.failed and the SDK raises it', async () => {
    const chunk = (delta: Json) => ({ data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: null }] } });
    fakeOpenAI.enqueue({ kind: 'sse', events: [chunk({ role: 'assistant', content: 'partial' }), chunk({ content: ' more' }), chunk({ content: ' never' })], disconnectAfterEvents: 2 });
    const types: string[] = [];
    await assert.rejects(async () => {
      for await (const e of await client.responses.create({ model: 'gpt-4o', input: 'break', stream: true })) types.push(e.type);
    }, OpenAI.APIError);
    assert.equal(types.at(-1), 'response.failed');
  });

  it('bad input is a 400 in OpenAI’s error shape (BadRequestError)', async () => {
    const bad: Array<Record<string, unknown>> = [
      { model: 'gpt-4o', input: 42 },
      { model: 'gpt-4o', input: 'x', temperature: 5 },
      { model: 'gpt-4o', input: 'x', max_output_tokens: 0 },
      { model: 'gpt-4o', input: 'x', top_p: 2 },
      { model: 'x'.repeat(300), input: 'x' },
      { model: 'gpt-4o', input: 'x', user: 'u'.repeat(1000) },
      { model: 'gpt-4o', input: [{ role: 'wizard', content: 'x' }] },
      { model: 'gpt-4o', input: [{ type: 'item_reference', id: 'msg_1' }] },
      { model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_audio' }] }] },
      { model: 'gpt-4o', input: 'x', tools: [{ type: 'web_search' }] },
      { model: 'gpt-4o', input: 'x', text: { format: { type: 'json_schema' } } },
      { model: 'gpt-4o', input: 'x', background: true },
      { model: 'gpt-4o', input: [] },
      { model: 'gpt-4o' },
      { model: 'gpt-4o', input: 'x', previous_response_id: 'resp_doesnotexist' },
      { model: 'gpt-4o', input: 'x', previous_response_id: 'not a valid id!' },
    ];
    for (const body of bad) {
      const err = await client.responses.create(body as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof OpenAI.BadRequestError, `${JSON.stringify(body).slice(0, 120)} → ${String(err)}`);
      assert.equal(err.type, 'invalid_request_error');
    }
    const raw = await fetch(`${a.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    assert.equal(raw.status, 400);
  });

  it('the response event lands with the endpoint and usage', async () => {
    const { data, response } = await client.responses.create({ model: 'mock-echo', input: 'count me' }).withResponse();
    const id = response.headers.get('x-request-id');
    const ev = a.events.find((e) => e.type === 'response' && e.request_id === id) as (HelixEvent & Json) | undefined;
    assert.ok(ev, 'a response event for the request');
    assert.equal(ev.endpoint, '/v1/responses');
    assert.equal(ev.prompt_tokens, data.usage!.input_tokens);
    assert.equal(ev.completion_tokens, data.usage!.output_tokens);
    assert.ok(a.events.some((e) => e.type === 'request' && e.request_id === id));
  });

  it('previous_response_id continues a stored conversation on another gateway (Redis, not process memory)', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', input: 'my name is Ada', instructions: 'first instructions' });
    const onB = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: 'sk-any', maxRetries: 0 });
    const second = await onB.responses.create({ model: 'gpt-4o', input: 'what is my name?', previous_response_id: first.id });
    assert.equal(second.previous_response_id, first.id);
    assert.equal(second.output_text, 'Echo: what is my name?');
    // Instructions are not carried over (as in the API); the earlier turns are.
    assert.deepEqual(lastMessages(fakeOpenAI), [
      { role: 'user', content: 'my name is Ada' },
      { role: 'assistant', content: 'Echo: my name is Ada' },
      { role: 'user', content: 'what is my name?' },
    ]);
    // A streamed turn is stored too, and chains on.
    const third = await client.responses.stream({ model: 'gpt-4o', input: 'and again?', previous_response_id: second.id }).finalResponse();
    await onB.responses.create({ model: 'gpt-4o', input: 'last', previous_response_id: third.id });
    assert.equal(lastMessages(fakeOpenAI).length, 7);
    // store: false keeps nothing.
    const unstored = await client.responses.create({ model: 'gpt-4o', input: 'forget me', store: false });
    assert.equal(stored(unstored), false);
    await assert.rejects(client.responses.create({ model: 'gpt-4o', input: 'x', previous_response_id: unstored.id }), OpenAI.BadRequestError);
  });

  it('responses.retrieve, inputItems.list and responses.delete read the stored response on any gateway', async () => {
    const first = await client.responses.create({ model: 'mock-echo', input: 'keep this' });
    const second = await client.responses.create({ model: 'mock-echo', input: 'and this', previous_response_id: first.id });
    const onB = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: 'sk-any', maxRetries: 0 });
    const got = await onB.responses.retrieve(second.id);
    assert.equal(got.id, second.id);
    assert.equal(got.output_text, second.output_text);
    const items = await onB.responses.inputItems.list(second.id, { order: 'asc' });
    const texts = items.data.map((item) => JSON.stringify(item));
    assert.equal(items.data.length, 3, 'the first turn, its answer and the second turn');
    assert.match(texts[0]!, /keep this/);
    assert.match(texts[2]!, /and this/);
    const page = await onB.responses.inputItems.list(second.id, { order: 'asc', limit: 2 });
    assert.equal(page.data.length, 2);
    assert.equal(page.has_more, true);
    await onB.responses.delete(second.id);
    await assert.rejects(client.responses.retrieve(second.id), OpenAI.NotFoundError);
    await assert.rejects(client.responses.delete(second.id), OpenAI.NotFoundError);
    await assert.rejects(client.responses.create({ model: 'mock-echo', input: 'x', previous_response_id: second.id }), OpenAI.BadRequestError);
    await assert.rejects(client.responses.retrieve('resp_never_was'), OpenAI.NotFoundError);
    const bad = await fetch(`${b.url}/v1/responses/${'x'.repeat(300)}`);
    assert.equal(bad.status, 414, 'an id longer than any response id');
    assert.equal(typeof ((await bad.json()) as { error?: { message?: unknown } }).error?.message, 'string');
    const odd = await fetch(`${b.url}/v1/responses/${encodeURIComponent('resp_<script>')}`);
    assert.equal(odd.status, 400);
  });

  it('without Redis: store echoes false and previous_response_id is a clear 400', async () => {
    const plain = new OpenAI({ baseURL: `${noStore.url}/v1`, apiKey: 'sk-any', maxRetries: 0 });
    const r = await plain.responses.create({ model: 'mock-echo', input: 'hi' });
    assert.equal(stored(r), false);
    const err = await plain.responses.create({ model: 'mock-echo', input: 'hi', previous_response_id: 'resp_abc' }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.match(err.message, /previous_response_id is not supported/);
  });
});
