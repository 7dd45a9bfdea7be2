// The official SDKs, unmodified, against a real gateway process whose deployments are real OpenAI and Anthropic
// adapters talking to loopback fakes: chat (plain, streaming, tools, json_schema), completions, embeddings,
// models, SDK error classes, and Anthropic ⇄ OpenAI translation both ways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { freePort } from '../../stack/ports.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../helpers/processes.ts';
import { startFakeAnthropic, startFakeOpenAI, FAKE_OPENAI_TOOL_ARGS, type FakeUpstream } from '../helpers/fake-upstreams.ts';

const MASTER = 'sk-helix-proxy-test';
const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };

describe('OpenAI and Anthropic SDKs through the gateway', () => {
  let fakeOpenAI: FakeUpstream;
  let fakeAnthropic: FakeUpstream;
  let gw: HelixProcess;
  let url: string;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    [fakeOpenAI, fakeAnthropic] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    const dir = mkdtempSync(join(tmpdir(), 'helix-sdk-'));
    const config = join(dir, 'helix.yaml');
    writeFileSync(
      config,
      `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: "${fakeOpenAI.url}/v1", api_key: sk-upstream-openai }
  - model_name: gpt-3.5-turbo-instruct
    litellm_params: { model: openai/gpt-3.5-turbo-instruct, api_base: "${fakeOpenAI.url}/v1", api_key: sk-upstream-openai }
  - model_name: text-embedding-3-small
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${fakeOpenAI.url}/v1", api_key: sk-upstream-openai }
  - model_name: claude-sonnet
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${fakeAnthropic.url}", api_key: sk-ant-upstream }
  - model_name: throttled
    litellm_params: { model: mock/echo, mock_fail_status: 429 }
router_settings: { num_retries: 0 }
helix_settings:
  pii_protection: { enabled: false }
`,
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gw = spawnHelix('gateway/main.ts', { HELIX_PORT: String(port), HELIX_CONFIG: config, HELIX_DATA_DIR: dir, HELIX_MASTER_KEY: MASTER, HELIX_TOPIC_PREFIX: 'sdk.' }, 'gateway', dir);
    await waitFor('gateway', async () => (await fetch(`${url}/health/live`)).ok);
    openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: MASTER, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: url, apiKey: MASTER, maxRetries: 0 });
  });
  after(async () => {
    await gw?.stop();
    await Promise.all([fakeOpenAI?.close(), fakeAnthropic?.close()]);
  });

  it('chat: plain and streaming', async () => {
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0]?.message.content, 'Echo: hello there');
    assert.ok(r.usage!.total_tokens > 0);
    assert.equal(fakeOpenAI.last().headers.authorization, 'Bearer sk-upstream-openai', 'the gateway authenticates upstream with the deployment key');
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream this' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      usage ??= c.usage;
    }
    assert.equal(text, 'Echo: stream this');
    assert.ok(usage && usage.prompt_tokens > 0);
  });

  it('chat: tools (plain and streaming) and json_schema pass through', async () => {
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weather], tool_choice: 'auto', parallel_tool_calls: false });
    const call = r.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    assert.equal(call.type === 'function' && call.function.arguments, FAKE_OPENAI_TOOL_ARGS);
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(fakeOpenAI.last().body.parallel_tool_calls, false);

    const runner = openai.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather?' }], tools: [weather] });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    assert.equal(streamed.type === 'function' && streamed.function.arguments, FAKE_OPENAI_TOOL_ARGS);

    const schema = { type: 'json_schema' as const, json_schema: { name: 'answer', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } } };
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'json please' }], response_format: schema, seed: 7, stop: ['END'], n: 1 });
    const sent = fakeOpenAI.last().body;
    assert.deepEqual(sent.response_format, schema);
    assert.equal(sent.seed, 7);
    assert.deepEqual(sent.stop, ['END']);
  });

  it('completions, embeddings and models', async () => {
    const c = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' });
    assert.equal(c.choices[0]?.text, ' completed: Once upon a time');
    const e = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'bb'], dimensions: 4 });
    assert.equal(e.data.length, 2);
    assert.equal(e.data[1]!.embedding.length, 4);
    const models = await openai.models.list();
    assert.deepEqual(models.data.map((m) => m.id).sort(), ['claude-sonnet', 'gpt-3.5-turbo-instruct', 'gpt-4o', 'text-embedding-3-small', 'throttled']);
  });

  it('errors arrive as the SDK error classes', async () => {
    const bad = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-5-nope', messages: [{ role: 'user', content: 'x' }] }), OpenAI.NotFoundError);
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o', messages: [] }), OpenAI.BadRequestError);
    await assert.rejects(openai.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'x' }] }), OpenAI.RateLimitError);
    const badAnthropic = new Anthropic({ baseURL: url, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(badAnthropic.messages.create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), Anthropic.AuthenticationError);
  });

  it('Anthropic SDK → /v1/messages served by an OpenAI deployment (plain, streaming, tools)', async () => {
    const m = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hi from anthropic' }] });
    assert.equal(m.content[0]?.type === 'text' && m.content[0].text, 'Echo: hi from anthropic');
    assert.equal(m.stop_reason, 'end_turn');
    assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
    assert.equal((fakeOpenAI.last().body.messages as Array<{ role: string }>)[0]?.role, 'system');

    const stream = anthropic.messages.stream({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'stream via anthropic' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.equal(text, 'Echo: stream via anthropic');
    assert.ok(final.usage.output_tokens > 0);

    const tool = await anthropic.messages.create({
      model: 'gpt-4o',
      max_tokens: 100,
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const use = tool.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.deepEqual(use.input, JSON.parse(FAKE_OPENAI_TOOL_ARGS));
    assert.equal(tool.stop_reason, 'tool_use');
  });

  it('OpenAI SDK → an Anthropic deployment (plain and streaming)', async () => {
    const r = await openai.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hello claude' }], max_tokens: 50 });
    assert.match(r.choices[0]!.message.content ?? '', /hello claude/);
    const sent = fakeAnthropic.last();
    assert.equal(sent.body.system !== undefined, true, 'system prompt moved to Anthropic\'s system field');
    const stream = await openai.chat.completions.create({ model: 'claude-sonnet', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream claude' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    assert.match(text, /stream claude/);
    assert.ok(usage && usage.prompt_tokens > 0, 'input tokens from message_start survive streaming');
  });
});
