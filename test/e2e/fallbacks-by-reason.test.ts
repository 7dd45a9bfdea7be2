// Fallbacks by reason through the gateway with the official OpenAI SDK: an upstream that answers "maximum context
// length" sends the request to the context-window fallback group (plain and streamed, before the first chunk), every
// attempt lands in the response event, and when no group can take the prompt the client gets OpenAI's 400.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { listeningGateway, type ListeningGateway } from '../helpers/listening-gateway.ts';
import { startFakeOpenAI, type FakeBehavior, type FakeUpstream } from '../helpers/fake-upstreams.ts';
import type { ResponseEvent } from '../../schemas/events.ts';

const TOO_LONG: FakeBehavior = {
  kind: 'json',
  status: 400,
  body: { error: { message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
};

describe('context-window fallbacks through the gateway', () => {
  let fake: FakeUpstream;
  let gw: ListeningGateway;
  let openai: OpenAI;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await listeningGateway(`
model_list:
  - model_name: short
    litellm_params: { model: openai/gpt-short, api_base: "${fake.url}/v1", api_key: sk-up }
  - model_name: long
    litellm_params: { model: openai/gpt-long, api_base: "${fake.url}/v1", api_key: sk-up }
  - model_name: spare
    litellm_params: { model: openai/gpt-spare, api_base: "${fake.url}/v1", api_key: sk-up }
router_settings:
  num_retries: 2
  fallbacks: [{ short: [spare] }]
  context_window_fallbacks: [{ short: [long] }]
helix_settings:
  pii_protection: { enabled: false }
`);
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  });
  after(async () => {
    await gw?.close();
    await fake?.close();
  });

  const responses = () => gw.events.filter((e): e is ResponseEvent => e.type === 'response' || e.type === 'error');
  const sentModels = (from: number) => fake.requests.slice(from).map((r) => r.body.model);

  it('a plain request moves to the context-window fallback, with both attempts recorded', async () => {
    const from = fake.requests.length;
    fake.enqueue(TOO_LONG);
    const r = await openai.chat.completions.create({ model: 'short', messages: [{ role: 'user', content: 'a very long prompt' }] });
    assert.equal(r.choices[0]?.message.content, 'Echo: a very long prompt');
    assert.deepEqual(sentModels(from), ['gpt-short', 'gpt-long'], 'no retry on the short group; the generic fallback is not used');
    const e = responses().at(-1)!;
    assert.equal(e.type, 'response');
    assert.deepEqual(e.attempts.map((a) => [a.deployment.split('#')[0], a.status]), [['short', 400], ['long', 200]]);
    assert.match(e.attempts[0]!.error ?? '', /maximum context length/);
  });

  it('a stream falls back before its first chunk', async () => {
    const from = fake.requests.length;
    fake.enqueue(TOO_LONG);
    const stream = await openai.chat.completions.create({ model: 'short', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream it' }] });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: stream it');
    assert.deepEqual(sentModels(from), ['gpt-short', 'gpt-long']);
    assert.deepEqual(responses().at(-1)!.attempts.map((a) => a.status), [400, 200]);
  });

  it('when the fallback cannot take it either, the client gets a 400 context_length_exceeded', async () => {
    const from = fake.requests.length;
    fake.enqueue(TOO_LONG, TOO_LONG);
    const err = await openai.chat.completions.create({ model: 'short', messages: [{ role: 'user', content: 'way too long' }] }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'context_length_exceeded');
    assert.equal(err.type, 'invalid_request_error');
    assert.deepEqual(sentModels(from), ['gpt-short', 'gpt-long']);
    const e = responses().at(-1)!;
    assert.equal(e.type, 'error');
    assert.deepEqual(e.attempts.map((a) => a.status), [400, 400]);
  });
});
