// /v1/responses served natively for OpenAI deployments, with the official openai SDK against the in-process gateway
// and an OpenAI fake that has the Responses API: the body reaches the upstream's /v1/responses as sent (built-in
// tools included), create / create({stream}) / stream().finalResponse() work, usage lands in the response event
// and prices, PII in input is redacted before the upstream sees it, and a fallback to a deployment without the
// Responses API is translated per attempt (refusing built-in tools only there).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { buildApp, createRouter } from '../../gateway/app.ts';
import { parseConfig, runtimeEnv } from '../../lib/config.ts';
import OpenAI from 'openai';
import { PriceBook } from '../../core/prices.ts';
import { testGateway, type TestGateway } from '../helpers/app.ts';
import { FAKE_OPENAI_TOOL_ARGS, type FakeUpstream, type Json } from '../helpers/fake-upstreams.ts';
import { responsesAnswer, startFakeOpenAIResponses } from '../helpers/fakes/openai-responses.ts';

const weather = { type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false, parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };

const config = (url: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: "${url}/v1", api_key: sk-upstream }
  - model_name: broken
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${url}/v1", api_key: sk-upstream }
  - model_name: vllm
    litellm_params: { model: hosted_vllm/llama-3, api_base: "${url}/v1", api_key: sk-upstream }
router_settings:
  num_retries: 0
  fallbacks: [{ broken: [vllm] }]
helix_settings:
  pii_protection: { enabled: true }
`;

describe('POST /v1/responses natively for OpenAI deployments', () => {
  let fake: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    fake = await startFakeOpenAIResponses();
    gw = await testGateway(config(fake.url));
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = gw.app.server.address() as AddressInfo;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-any', maxRetries: 0 });
  });
  after(async () => {
    await gw?.app.close();
    await fake?.close();
  });

  const responseEvent = (requestId: string | null) => gw.events.find((e) => e.type === 'response' && e.request_id === requestId);

  it('responses.create: the body goes to the upstream /v1/responses as sent, built-in tools included', async () => {
    const tools = [weather, { type: 'web_search' as const }];
    const { data: r, response } = await client.responses.create({ model: 'gpt-4o', input: 'hello there', instructions: 'be brief', tools, tool_choice: 'none', metadata: { run: 'one' } }).withResponse();
    const sent = fake.last();
    assert.equal(sent.path, '/v1/responses');
    assert.equal(sent.headers.authorization, 'Bearer sk-upstream');
    assert.equal(sent.body.input, 'hello there');
    assert.equal(sent.body.instructions, 'be brief');
    assert.deepEqual(sent.body.tools, tools);
    assert.deepEqual(sent.body.metadata, { run: 'one' });
    assert.equal(sent.body.stream, undefined);
    assert.equal('previous_response_id' in sent.body, false);
    assert.match(r.id, /^resp_fake\d+$/, 'the upstream answer comes back as it is');
    assert.equal(r.output_text, 'Echo: hello there');
    assert.deepEqual(r.tools, tools);
    assert.ok(r.usage!.input_tokens > 0 && r.usage!.output_tokens === 3);

    const ev = responseEvent(response.headers.get('x-request-id'));
    assert.ok(ev?.type === 'response');
    assert.equal(ev.endpoint, '/v1/responses');
    assert.equal(ev.prompt_tokens, r.usage!.input_tokens);
    assert.equal(ev.completion_tokens, r.usage!.output_tokens);
    assert.equal(ev.finish_reason, 'stop');
    const prices = new PriceBook(gw.config.model_list, gw.config.router_settings.fallbacks);
    const cost = prices.costOfDeployment(ev, { prompt_tokens: ev.prompt_tokens, completion_tokens: ev.completion_tokens });
    assert.ok(cost.costUsd > 0, `priced: ${JSON.stringify(cost)}`);
  });

  it('responses.create({stream: true}): the upstream events in order, numbered from 0, usage in the final one', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream this please' }] }], stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((e) => e.type);
    const seqs = events.map((e) => e.sequence_number);
    const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
    const last = events.at(-1);
    const final = last?.type === 'response.completed' ? last.response : undefined;
    assert.equal(fake.last().path, '/v1/responses');
    assert.equal(fake.last().body.stream, true);
    assert.deepEqual(seqs, [...seqs.keys()]);
    assert.deepEqual(
      types.filter((t, i) => t !== 'response.output_text.delta' || types[i - 1] !== t),
      ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed'],
    );
    assert.equal(text, 'Echo: stream this please');
    assert.ok(final!.usage!.input_tokens > 0 && final!.usage!.output_tokens > 0);
  });

  it('responses.stream: finalResponse, function-call arguments streamed, usage in the response event', async () => {
    const runner = client.responses.stream({ model: 'gpt-4o', input: 'weather in Paris?', tools: [weather] });
    const argDeltas: string[] = [];
    runner.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
    const final = await runner.finalResponse();
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.equal(call.arguments, FAKE_OPENAI_TOOL_ARGS);
    assert.equal(argDeltas.join(''), FAKE_OPENAI_TOOL_ARGS);
    const ev = gw.events.filter((e) => e.type === 'response').at(-1);
    assert.ok(ev?.type === 'response');
    assert.equal(ev.completion_tokens, 12);
    assert.equal(ev.prompt_tokens, final.usage!.input_tokens);
    assert.equal(ev.finish_reason, 'tool_calls');

    const plain = await client.responses.stream({ model: 'gpt-4o', input: 'assemble me' }).finalResponse();
    assert.equal(plain.output_text, 'Echo: assemble me');
  });

  it('max_output_tokens cut short: status incomplete, finish reason length', async () => {
    const r = await client.responses.create({ model: 'gpt-4o', input: 'one two three four five', max_output_tokens: 2 });
    assert.equal(fake.last().body.max_output_tokens, 2);
    assert.equal(r.status, 'incomplete');
    assert.equal(r.incomplete_details?.reason, 'max_output_tokens');
    const ev = gw.events.filter((e) => e.type === 'response').at(-1);
    assert.ok(ev?.type === 'response');
    assert.equal(ev.finish_reason, 'length');
  });

  it('PII in instructions, input messages and function_call arguments is redacted before the upstream sees it', async () => {
    await client.responses.create({
      model: 'gpt-4o',
      instructions: 'Customer email: jane.doe@example.com',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Write to john.roe@example.org, call 415-555-0123' }] },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"email":"ann.lee@example.net"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'found max.mu@example.com' },
      ],
    });
    const sent = JSON.stringify(fake.last().body);
    assert.equal(fake.last().path, '/v1/responses');
    for (const value of ['jane.doe@example.com', 'john.roe@example.org', '415-555-0123', 'ann.lee@example.net', 'max.mu@example.com']) assert.ok(!sent.includes(value), `${value} left the gateway: ${sent}`);
    assert.ok(gw.events.some((e) => e.type === 'pii' && e.endpoint === '/v1/responses'));
    const args = JSON.parse(((fake.last().body.input as Json[])[1]!.arguments as string)) as Json;
    assert.equal(typeof args.email, 'string', 'arguments stay JSON');
  });

  it('a fallback to a deployment without the Responses API is translated (chat completions upstream)', async () => {
    fake.enqueue({ kind: 'json', status: 500, body: { error: { message: 'boom', type: 'server_error', code: null } } });
    const r = await client.responses.create({ model: 'broken', input: 'fall back please', tools: [weather], tool_choice: 'none' });
    const [native, translated] = fake.requests.slice(-2);
    assert.equal(native!.path, '/v1/responses');
    assert.equal(translated!.path, '/v1/chat/completions');
    assert.deepEqual((translated!.body.messages as Json[]).map((m) => m.role), ['user']);
    assert.match(r.id, /^resp_/);
    assert.doesNotMatch(r.id, /^resp_fake/);
    assert.equal(r.output_text, 'Echo: fall back please');
    assert.ok(r.usage!.input_tokens > 0);

    fake.enqueue({ kind: 'json', status: 500, body: { error: { message: 'boom', type: 'server_error', code: null } } });
    const final = await client.responses.stream({ model: 'broken', input: 'stream the fallback' }).finalResponse();
    assert.equal(final.output_text, 'Echo: stream the fallback');
  });

  it('built-in tools are refused with a 400 only where the deployment is translated', async () => {
    const before = fake.requests.length;
    await assert.rejects(client.responses.create({ model: 'vllm', input: 'search', tools: [{ type: 'web_search' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /Tool type 'web_search'/);
      return true;
    });
    assert.equal(fake.requests.length, before, 'nothing went upstream');
  });

  it('an upstream error event mid-stream ends the stream with an error event the SDK raises', async () => {
    const created = { type: 'response.created', sequence_number: 0, response: { id: 'resp_x', object: 'response', status: 'in_progress', output: [], usage: null } };
    const failure = { type: 'error', sequence_number: 1, code: 'server_error', message: 'The model had an error', param: null };
    fake.enqueue({ kind: 'sse', events: [{ event: 'response.created', data: created }, { event: 'error', data: failure }] });
    const stream = await client.responses.create({ model: 'gpt-4o', input: 'fail midway', stream: true });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of stream) seen.push(event.type);
      })(),
      (err: unknown) => err instanceof OpenAI.APIError && /model had an error/.test(err.message),
    );
    assert.deepEqual(seen, ['response.created']);
  });

  it('upstream errors keep their status and message', async () => {
    fake.enqueue({ kind: 'json', status: 400, body: { error: { message: "Invalid value for 'temperature'.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } });
    await assert.rejects(client.responses.create({ model: 'gpt-4o', input: 'x' }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /temperature/);
      return true;
    });
  });
});


describe('PII on native Responses answers', () => {
  let fake: FakeUpstream;
  let restoring: TestGateway;
  let scanning: TestGateway;
  const urlOf = (gw: TestGateway) => `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}/v1`;

  before(async () => {
    fake = await startFakeOpenAIResponses();
    const yaml = (pii: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: "${fake.url}/v1", api_key: sk-upstream }
router_settings: { num_retries: 0 }
helix_settings:
  pii_protection: ${pii}
`;
    [restoring, scanning] = await Promise.all([testGateway(yaml('{ enabled: true, action: restore }')), testGateway(yaml('{ enabled: true, action: redact, scan_output: true }'))]);
    await Promise.all([restoring.app.listen({ port: 0, host: '127.0.0.1' }), scanning.app.listen({ port: 0, host: '127.0.0.1' })]);
  });
  after(async () => {
    await Promise.all([restoring?.app.close(), scanning?.app.close()]);
    await fake?.close();
  });

  it('restore: the upstream sees placeholders, the client its own values (JSON, deltas, done events, final response)', async () => {
    const client = new OpenAI({ baseURL: urlOf(restoring), apiKey: 'sk-any', maxRetries: 0 });
    const input = 'mail jane.doe@example.com today';
    const r = await client.responses.create({ model: 'gpt-4o', input });
    assert.ok(!JSON.stringify(fake.last().body).includes('jane.doe@example.com'));
    assert.equal(r.output_text, `Echo: ${input}`);

    const stream = await client.responses.create({ model: 'gpt-4o', input, stream: true });
    let deltas = '';
    const texts: string[] = [];
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.output_text.done') texts.push(event.text);
      if (event.type === 'response.content_part.done' && event.part.type === 'output_text') texts.push(event.part.text);
      if (event.type === 'response.completed') texts.push(event.response.output_text ?? '', JSON.stringify(event.response.output));
    }
    assert.equal(deltas, `Echo: ${input}`);
    assert.equal(texts[0], `Echo: ${input}`);
    assert.equal(texts[1], `Echo: ${input}`);
    assert.ok(texts[3]!.includes('jane.doe@example.com'), texts[3]);
  });

  it('scan_output: an address the upstream wrote never reaches the client (JSON and every stream event)', async () => {
    const leaked = 'reach me at bob.smith@example.com soon';
    fake.enqueue(responsesAnswer({ model: 'gpt-4o', input: leaked }));
    const client = new OpenAI({ baseURL: urlOf(scanning), apiKey: 'sk-any', maxRetries: 0 });
    const r = await client.responses.create({ model: 'gpt-4o', input: 'hi' });
    assert.ok(!JSON.stringify(r).includes('bob.smith@example.com'), JSON.stringify(r.output));
    assert.match(r.output_text, /^Echo: reach me at /);

    fake.enqueue(responsesAnswer({ model: 'gpt-4o', input: leaked, stream: true }));
    const res = await fetch(`${urlOf(scanning)}/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-any' }, body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true }) });
    const sse = await res.text();
    assert.ok(sse.includes('response.completed'), sse);
    assert.ok(!sse.includes('bob.smith'), sse);
    assert.ok(scanning.events.some((e) => e.type === 'pii' && e.endpoint === '/v1/responses'));
  });
});

describe('previous_response_id on the native path (Helix keeps the conversation in Redis)', { skip: !process.env.HELIX_REDIS_URL && 'HELIX_REDIS_URL not set' }, () => {
  let fake: FakeUpstream;
  let redis: Redis;
  let client: OpenAI;
  let close: () => Promise<unknown>;

  before(async () => {
    fake = await startFakeOpenAIResponses();
    redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    const yaml = `model_list:\n  - model_name: gpt-4o\n    litellm_params: { model: openai/gpt-4o, api_base: "${fake.url}/v1", api_key: sk-upstream }\n`;
    const config = { ...parseConfig(parse(yaml), process.env), env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test' }) };
    const app = await buildApp({ config, events: { emit: () => undefined }, router: createRouter(config), health: { shuttingDown: () => false, components: async () => ({}) }, redis });
    client = new OpenAI({ baseURL: `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1`, apiKey: 'sk-any', maxRetries: 0 });
    close = () => app.close();
  });
  after(async () => {
    await close?.();
    redis?.disconnect();
    await fake?.close();
  });

  it('the stored conversation is expanded into input; the upstream gets no previous_response_id; the id is echoed', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', input: 'my name is Ada' });
    const second = await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'what is my name?' });
    const sent = fake.last().body;
    assert.equal('previous_response_id' in sent, false);
    const input = sent.input as Json[];
    assert.deepEqual(input.map((i) => i.role), ['user', 'assistant', 'user']);
    assert.equal(input[0]!.content, 'my name is Ada');
    assert.equal(input[1]!.id, first.output[0]!.id);
    assert.equal(second.previous_response_id, first.id);

    const streamed = await client.responses.stream({ model: 'gpt-4o', previous_response_id: second.id, input: 'and again?' }).finalResponse();
    assert.equal(streamed.previous_response_id, second.id);
    assert.equal((fake.last().body.input as Json[]).length, 5);
  });
});
