// Anthropic fidelity for coding agents, with the official @anthropic-ai/sdk against the in-process gateway: extended
// thinking (JSON and stream, signatures byte for byte, redacted_thinking, thinking blocks sent back), countTokens
// (forwarded to an Anthropic deployment, counted locally for the mock), prompt caching (cache_control out, cache usage
// back and priced), the native pass-through (an unknown block type and anthropic-beta end to end), the response
// event with its usage and cost, and PII redacted in a pass-through request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { PriceBook } from '../../core/prices.ts';
import type { HelixEvent } from '../../schemas/events.ts';
import { testGateway, type TestGateway } from '../helpers/app.ts';
import {
  FAKE_ANTHROPIC_REDACTED,
  FAKE_ANTHROPIC_SIGNATURE,
  FAKE_ANTHROPIC_THINKING,
  fakeAnthropicInputTokens,
  startFakeAnthropic,
  type FakeUpstream,
} from '../helpers/fake-upstreams.ts';

const config = (anthropicUrl: string, cachedUrl: string) => `
model_list:
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropicUrl}", api_key: sk-ant-upstream }
  - model_name: claude-cached
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${cachedUrl}", api_key: sk-ant-upstream }
  - model_name: mock/echo
    litellm_params: { model: mock/echo }
router_settings: { num_retries: 0 }
helix_settings:
  pii_protection: { enabled: true }
`;

const responses = (events: HelixEvent[]) => events.filter((e) => e.type === 'response');

describe('Anthropic fidelity through /v1/messages', () => {
  let fake: FakeUpstream;
  let cachedFake: FakeUpstream;
  let gw: TestGateway;
  let client: Anthropic;

  before(async () => {
    [fake, cachedFake] = await Promise.all([startFakeAnthropic(), startFakeAnthropic({ cacheReadTokens: 1000, cacheCreationTokens: 200 })]);
    gw = await testGateway(config(fake.url, cachedFake.url));
    await gw.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = gw.app.server.address() as AddressInfo;
    client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw?.app.close();
    await Promise.all([fake?.close(), cachedFake?.close()]);
  });

  it('thinking, JSON: blocks and signatures come back exactly, and go back upstream unchanged', async () => {
    const msg = await client.messages.create({ model: 'claude', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'think' }] });
    const [thinking, redacted, text] = msg.content;
    assert.deepEqual(thinking, { type: 'thinking', thinking: FAKE_ANTHROPIC_THINKING, signature: FAKE_ANTHROPIC_SIGNATURE });
    assert.deepEqual(redacted, { type: 'redacted_thinking', data: FAKE_ANTHROPIC_REDACTED });
    assert.equal(text?.type, 'text');
    assert.deepEqual(fake.last().body.thinking, { type: 'enabled', budget_tokens: 1024 });

    await client.messages.create({
      model: 'claude',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'think' }, { role: 'assistant', content: msg.content }, { role: 'user', content: 'and again' }],
    });
    const sent = fake.last().body.messages as Array<{ content: unknown }>;
    assert.deepEqual(sent[1]!.content, JSON.parse(JSON.stringify(msg.content)), 'earlier thinking blocks reach the upstream unchanged');
  });

  it('thinking, streamed: thinking_delta and signature_delta reach the SDK', async () => {
    const stream = client.messages.stream({ model: 'claude', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'stream it' }] });
    let thinkingText = '';
    const signatures: string[] = [];
    stream.on('thinking', (delta) => (thinkingText += delta));
    stream.on('signature', (s) => signatures.push(s));
    const final = await stream.finalMessage();
    assert.equal(thinkingText, FAKE_ANTHROPIC_THINKING);
    assert.deepEqual(signatures, [FAKE_ANTHROPIC_SIGNATURE]);
    assert.deepEqual(final.content[0], { type: 'thinking', thinking: FAKE_ANTHROPIC_THINKING, signature: FAKE_ANTHROPIC_SIGNATURE });
    assert.deepEqual(final.content[1], { type: 'redacted_thinking', data: FAKE_ANTHROPIC_REDACTED });
    assert.equal(final.content[2]?.type === 'text' && final.content[2].text, 'Echo: stream it');
    assert.ok(final.usage.input_tokens > 0 && final.usage.output_tokens > 0);
  });

  it('thinking on a translated model: the request is accepted and answered', async () => {
    const msg = await client.messages.create({ model: 'mock/echo', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'plain' }] });
    assert.equal(msg.content[0]?.type === 'text' && msg.content[0].text, 'plain');
  });

  it('countTokens: forwarded to an Anthropic deployment, counted locally for the mock', async () => {
    const params = { model: 'claude', system: 'be brief', messages: [{ role: 'user' as const, content: 'how many tokens is this?' }] };
    const counted = await client.messages.countTokens(params);
    const upstream = fake.last();
    assert.equal(upstream.path, '/v1/messages/count_tokens');
    assert.equal(upstream.body.model, 'claude-sonnet-4-5');
    assert.equal(counted.input_tokens, fakeAnthropicInputTokens(upstream.body));
    const seen = fake.requests.length;
    const local = await client.messages.countTokens({ ...params, model: 'mock/echo' });
    assert.ok(local.input_tokens > 5 && local.input_tokens < 40, String(local.input_tokens));
    assert.equal(fake.requests.length, seen, 'the mock is counted without an upstream call');
    await assert.rejects(client.messages.countTokens({ ...params, model: 'nope' }), Anthropic.NotFoundError);
  });

  it('prompt caching: cache_control goes upstream, cache usage comes back and is priced as cached', async () => {
    const before = gw.events.length;
    const cc = { type: 'ephemeral' as const };
    const msg = await client.messages.create({
      model: 'claude-cached',
      max_tokens: 64,
      system: [{ type: 'text', text: 'a long system prompt', cache_control: cc }],
      tools: [{ name: 'lookup', description: 'look up', input_schema: { type: 'object', properties: {} }, cache_control: cc }],
      tool_choice: { type: 'none' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'cached question', cache_control: cc }] }],
    });
    const body = cachedFake.last().body as { system: Array<{ cache_control?: unknown }>; tools: Array<{ cache_control?: unknown }>; messages: Array<{ content: Array<{ cache_control?: unknown }> }> };
    assert.deepEqual(body.system[0]!.cache_control, cc);
    assert.deepEqual(body.tools[0]!.cache_control, cc);
    assert.deepEqual(body.messages[0]!.content[0]!.cache_control, cc);
    assert.equal(msg.usage.cache_read_input_tokens, 1000);
    assert.equal(msg.usage.cache_creation_input_tokens, 200);

    const stream = client.messages.stream({ model: 'claude-cached', max_tokens: 64, messages: [{ role: 'user', content: 'cached stream' }] });
    const final = await stream.finalMessage();
    assert.equal(final.usage.cache_read_input_tokens, 1000);
    assert.equal(final.usage.cache_creation_input_tokens, 200);

    const [json, streamed] = responses(gw.events.slice(before));
    for (const ev of [json, streamed]) {
      assert.ok(ev?.type === 'response');
      assert.equal(ev.cached_tokens, 1000);
      assert.ok(ev.prompt_tokens >= 1200 && ev.completion_tokens > 0);
    }
    const prices = new PriceBook(gw.config.model_list, gw.config.router_settings.fallbacks);
    assert.ok(json?.type === 'response');
    const cost = prices.costOfDeployment(json, { prompt_tokens: json.prompt_tokens, completion_tokens: json.completion_tokens, cached_tokens: json.cached_tokens });
    const uncached = prices.costOfDeployment(json, { prompt_tokens: json.prompt_tokens, completion_tokens: json.completion_tokens });
    assert.ok(cost.costUsd > 0 && cost.costUsd < uncached.costUsd, `cached reads are cheaper: ${JSON.stringify([cost, uncached])}`);
  });

  it('pass-through: an unknown block type and anthropic-beta reach the upstream, the upstream answer comes back as is', async () => {
    fake.enqueue({
      kind: 'json',
      body: {
        id: 'msg_new',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'fancy_future_block', payload: { x: 1 } }, { type: 'text', text: 'ok', citations: [{ type: 'char_location', cited_text: 'a', document_index: 0, start_char_index: 0, end_char_index: 1 }] }],
        container: { id: 'container_1', expires_at: '2030-01-01T00:00:00Z' },
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 11, output_tokens: 3, server_tool_use: { web_search_requests: 1 } },
      },
    });
    const before = gw.events.length;
    const res = await client.messages
      .create(
        {
          model: 'claude',
          max_tokens: 64,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'fancy_future_block', secret: 'kept' } as unknown as Anthropic.TextBlockParam] }],
          // @ts-expect-error a field the SDK does not know yet passes through too
          mcp_servers: [{ type: 'url', url: 'https://mcp.example/sse', name: 'x' }],
        },
        { headers: { 'anthropic-beta': 'mcp-client-2025-04-04,future-feature' } },
      )
      .withResponse();
    const upstream = fake.last();
    assert.equal(upstream.headers['anthropic-beta'], 'mcp-client-2025-04-04,future-feature');
    assert.equal(upstream.headers['x-api-key'], 'sk-ant-upstream');
    assert.deepEqual((upstream.body.messages as Array<{ content: unknown[] }>)[0]!.content[1], { type: 'fancy_future_block', secret: 'kept' });
    assert.deepEqual(upstream.body.mcp_servers, [{ type: 'url', url: 'https://mcp.example/sse', name: 'x' }]);
    const raw = res.data as unknown as Record<string, unknown>;
    assert.deepEqual((raw.content as unknown[])[0], { type: 'fancy_future_block', payload: { x: 1 } });
    assert.deepEqual(raw.container, { id: 'container_1', expires_at: '2030-01-01T00:00:00Z' });
    assert.deepEqual((raw.usage as Record<string, unknown>).server_tool_use, { web_search_requests: 1 });
    const [ev] = responses(gw.events.slice(before));
    assert.ok(ev?.type === 'response');
    assert.equal(ev.endpoint, '/v1/messages');
    assert.equal(ev.provider, 'anthropic');
    assert.equal(ev.prompt_tokens, 11);
    assert.equal(ev.completion_tokens, 3);
    assert.equal(ev.finish_reason, 'stop');
  });

  it('pass-through: PII in the request is redacted before it goes upstream', async () => {
    await client.messages.create({
      model: 'claude',
      max_tokens: 64,
      system: 'Customer email: jane.doe@example.com',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Write to john.roe@example.org, call 415-555-0123' }] }],
    });
    const sent = JSON.stringify(fake.last().body);
    for (const value of ['jane.doe@example.com', 'john.roe@example.org', '415-555-0123']) assert.ok(!sent.includes(value), `${value} left the gateway: ${sent}`);
    assert.ok(gw.events.some((e) => e.type === 'pii' && e.endpoint === '/v1/messages'));
  });

  it('upstream errors keep Anthropic error classes', async () => {
    fake.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 300000 tokens > 200000 maximum' } } });
    await assert.rejects(client.messages.create({ model: 'claude', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      assert.match(err.message, /prompt is too long/);
      return true;
    });
  });
});
