// The official OpenAI SDK against a real gateway process whose `bedrock/…` deployment talks Converse to the
// SigV4-checking loopback fake: credentials and region come from the process environment (the standard AWS chain).
// Text, streamed text, tool calls (plain, streamed, and the follow-up turn with the tool result).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { freePort } from '../../stack/ports.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../helpers/processes.ts';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, FAKE_BEDROCK_MODEL, FAKE_BEDROCK_TOOL_USE_ID, startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.ts';

const MASTER = 'sk-helix-bedrock-test';
const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };

describe('OpenAI SDK → gateway → Bedrock Converse', () => {
  let fake: FakeBedrock;
  let gw: HelixProcess;
  let openai: OpenAI;

  before(async () => {
    fake = await startFakeBedrock();
    const dir = mkdtempSync(join(tmpdir(), 'helix-bedrock-'));
    const config = join(dir, 'helix.yaml');
    writeFileSync(
      config,
      `model_list:
  - model_name: claude-bedrock
    litellm_params: { model: "bedrock/converse/${FAKE_BEDROCK_MODEL}", api_base: "${fake.url}" }
router_settings: { num_retries: 0 }
helix_settings:
  pii_protection: { enabled: false }
`,
    );
    const port = await freePort();
    const env = {
      HELIX_PORT: String(port),
      HELIX_CONFIG: config,
      HELIX_DATA_DIR: dir,
      HELIX_MASTER_KEY: MASTER,
      HELIX_TOPIC_PREFIX: 'bedrock.',
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
      AWS_REGION: FAKE_AWS_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    gw = spawnHelix('gateway/main.ts', env, 'gateway', dir);
    await waitFor('gateway', async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok);
    openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: MASTER, maxRetries: 0 });
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  it('text: plain and streamed, usage as Bedrock reported it', async () => {
    fake.answerNext({ kind: 'text', text: 'Hello from Bedrock.', promptTokens: 14, completionTokens: 5 });
    const r = await openai.chat.completions.create({ model: 'claude-bedrock', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }], max_tokens: 64 });
    assert.equal(r.choices[0]?.message.content, 'Hello from Bedrock.');
    assert.equal(r.choices[0]?.finish_reason, 'stop');
    assert.deepEqual([r.usage?.prompt_tokens, r.usage?.completion_tokens], [14, 5]);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, `/model/${encodeURIComponent(FAKE_BEDROCK_MODEL)}/converse`);
    assert.deepEqual(sent.body.system, [{ text: 'Be brief.' }]);

    const text = 'A streamed answer, split across — ünïcode ✓ — many frames.';
    fake.answerNext({ kind: 'text', text, promptTokens: 10, completionTokens: 12 });
    const stream = await openai.chat.completions.create({ model: 'claude-bedrock', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream this' }] });
    let got = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      got += c.choices[0]?.delta.content ?? '';
      usage = c.usage ?? usage;
    }
    assert.equal(got, text);
    assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens], [10, 12, 22]);
    assert.equal(fake.requests.at(-1)!.path, `/model/${encodeURIComponent(FAKE_BEDROCK_MODEL)}/converse-stream`);
  });

  it('tools: a call (plain and streamed), then the turn with its result', async () => {
    fake.answerNext({ kind: 'tool_call', name: 'get_weather', arguments: { location: 'Paris' } });
    const r = await openai.chat.completions.create({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weather], tool_choice: 'auto' });
    const call = r.choices[0]!.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.deepEqual([call.id, call.function.name, JSON.parse(call.function.arguments)], [FAKE_BEDROCK_TOOL_USE_ID, 'get_weather', { location: 'Paris' }]);
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(fake.requests.at(-1)!.body.toolConfig, { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: weather.function.parameters } } }], toolChoice: { auto: {} } });

    fake.answerNext({ kind: 'tool_call', name: 'get_weather', arguments: { location: 'Lyon' } });
    const final = await openai.chat.completions.stream({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'weather in Lyon?' }], tools: [weather] }).finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    assert.ok(streamed.type === 'function');
    assert.deepEqual([streamed.function.name, JSON.parse(streamed.function.arguments)], ['get_weather', { location: 'Lyon' }]);
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');

    fake.answerNext({ kind: 'text', text: 'It is 21°C in Paris.', promptTokens: 40, completionTokens: 9 });
    const followUp = await openai.chat.completions.create({
      model: 'claude-bedrock',
      tools: [weather],
      messages: [{ role: 'user', content: 'weather in Paris?' }, r.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"celsius":21}' }],
    });
    assert.equal(followUp.choices[0]?.message.content, 'It is 21°C in Paris.');
    assert.deepEqual(fake.requests.at(-1)!.body.messages, [
      { role: 'user', content: [{ text: 'weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: FAKE_BEDROCK_TOOL_USE_ID, name: 'get_weather', input: { location: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: FAKE_BEDROCK_TOOL_USE_ID, content: [{ json: { celsius: 21 } }], status: 'success' } }] },
    ]);
  });

  it('errors: a throttled Bedrock is a 429 for the SDK', async () => {
    fake.answerNext({ kind: 'error', error: 'rate_limit' });
    await assert.rejects(openai.chat.completions.create({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof OpenAI.RateLimitError);
  });
});
