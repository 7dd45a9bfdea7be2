// The provider conformance suite: every ConformanceProvider in test/helpers/conformance/ (each file but provider.ts)
// runs the same cases through a real gateway with the official OpenAI SDK — text, streamed text, tool calls, errors
// mapped to the SDK's classes, usage and cost in the response event, and cancellation reaching the provider; and the
// other client APIs served through the same provider: the Responses API and Anthropic's Messages (thinking, countTokens).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { listeningGateway, type ListeningGateway } from '../helpers/listening-gateway.ts';
import { PriceBook } from '../../core/prices.ts';
import type { ResponseEvent } from '../../schemas/events.ts';
import type { ConformanceFake, ConformanceProvider, ScriptedAnswer } from '../helpers/conformance/provider.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../helpers/conformance');
const NUM_RETRIES = 1;
const GROUP = 'conformance-model';
/** How long the provider may keep a request open after the client aborted. */
const CLOSE_BOUND_MS = 3_000;

const isProvider = (v: unknown): v is ConformanceProvider =>
  typeof v === 'object' && v !== null && typeof (v as ConformanceProvider).name === 'string' && typeof (v as ConformanceProvider).start === 'function' && typeof (v as ConformanceProvider).supports === 'object';

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'provider.ts')
  .sort();
const loaded = await Promise.all(
  files.map(async (file) => ({ file, providers: Object.values((await import(pathToFileURL(join(DIR, file)).href)) as Record<string, unknown>).filter(isProvider) })),
);

type ErrorClass = Extract<ScriptedAnswer, { kind: 'error' }>['error'];

/** What the client sees for each upstream failure class (gateway/errors.ts via routing/router.ts). */
const ERROR_CASES: Array<{ error: ErrorClass; sdkClass: new (...args: never[]) => InstanceType<typeof OpenAI.APIError>; status: (s: number | undefined) => boolean; code?: string; attempts: number; why: string }> = [
  // An upstream that refuses the gateway's own key is the operator's misconfiguration, not the client's: a 502.
  { error: 'auth', sdkClass: OpenAI.InternalServerError, status: (s) => s === 502, code: 'upstream_error', attempts: 1, why: 'upstream 401 → 502 upstream_error, not retried' },
  { error: 'rate_limit', sdkClass: OpenAI.RateLimitError, status: (s) => s === 429, code: 'rate_limit_exceeded', attempts: NUM_RETRIES + 1, why: 'upstream 429 → 429 after retries' },
  { error: 'bad_request', sdkClass: OpenAI.BadRequestError, status: (s) => s === 400, attempts: 1, why: 'upstream 400 → 400, not retried' },
  { error: 'server', sdkClass: OpenAI.InternalServerError, status: (s) => s !== undefined && s >= 500, attempts: NUM_RETRIES + 1, why: 'upstream 5xx → 5xx after retries' },
  { error: 'context_window', sdkClass: OpenAI.BadRequestError, status: (s) => s === 400, code: 'context_length_exceeded', attempts: 1, why: 'context window → 400 context_length_exceeded, not retried' },
  { error: 'content_policy', sdkClass: OpenAI.BadRequestError, status: (s) => s === 400, code: 'content_policy_violation', attempts: 1, why: 'content policy → 400 content_policy_violation, not retried' },
];

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] } },
};
const TOOL_ARGS = { location: 'Paris, France', unit: 'celsius' };
const user = (content: string) => [{ role: 'user' as const, content }];

/** Runs a case; a failure names the provider (the runner's output may not show the suite's name next to it). */
function named(provider: string, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (err) {
      if (err instanceof Error) {
        err.message = `[provider ${provider}] ${err.message}`;
        err.stack = `[provider ${provider}] ${err.stack ?? ''}`;
      }
      throw err;
    }
  };
}

describe('provider conformance', () => {
  it('finds the provider files, each exporting a ConformanceProvider', () => {
    assert.ok(loaded.length > 0, `no provider files in ${DIR}`);
    for (const { file, providers } of loaded) assert.ok(providers.length > 0, `${file} exports no ConformanceProvider`);
  });
});

for (const { file, providers } of loaded) {
  for (const provider of providers) conformance(provider, file);
}

function conformance(provider: ConformanceProvider, file: string): void {
  const { name } = provider;
  describe(`conformance: ${name} (${file})`, () => {
    let fake: ConformanceFake;
    let gw: ListeningGateway;
    let openai: OpenAI;
    const savedEnv = new Map<string, string | undefined>();

    before(
      named(name, async () => {
        fake = await provider.start();
        // Adapters read credential chains from the process environment, not only the config.
        for (const [k, v] of Object.entries(fake.env ?? {})) {
          savedEnv.set(k, process.env[k]);
          process.env[k] = v;
        }
        const config = {
          model_list: [fake.modelEntry(GROUP)],
          router_settings: { num_retries: NUM_RETRIES, cooldown_time: 0 },
          helix_settings: { pii_protection: { enabled: false } },
        };
        gw = await listeningGateway(JSON.stringify(config), fake.env ?? {});
        openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-conformance-client', maxRetries: 0, timeout: 15_000 });
      }),
    );
    after(async () => {
      await gw?.close();
      await fake?.close();
      for (const [k, v] of savedEnv) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    const lastEvent = (): ResponseEvent => {
      const e = gw.events.filter((x): x is ResponseEvent => x.type === 'response' || x.type === 'error').at(-1);
      assert.ok(e, 'the gateway recorded a response event');
      return e;
    };

    it(
      'plain text: the text and the usage the provider reported',
      named(name, async () => {
        fake.answerNext({ kind: 'text', text: `Plain answer from ${name}.`, promptTokens: 21, completionTokens: 8 });
        const r = await openai.chat.completions.create({ model: GROUP, messages: user('Say something plain.') });
        assert.equal(r.choices[0]?.message.content, `Plain answer from ${name}.`);
        assert.equal(r.choices[0]?.finish_reason, 'stop');
        assert.deepEqual([r.usage?.prompt_tokens, r.usage?.completion_tokens, r.usage?.total_tokens], [21, 8, 29], 'usage equals what the provider reported');
      }),
    );

    it(
      'Responses API: responses.create and responses.stream, served through this provider',
      named(name, async () => {
        fake.answerNext({ kind: 'text', text: `Responses answer from ${name}.`, promptTokens: 17, completionTokens: 6 });
        const r = await openai.responses.create({ model: GROUP, input: 'Say something through the Responses API.' });
        assert.equal(r.status, 'completed');
        assert.equal(r.output_text, `Responses answer from ${name}.`);
        assert.deepEqual([r.usage?.input_tokens, r.usage?.output_tokens], [17, 6], 'usage equals what the provider reported');
        if (!provider.supports.streaming) return;
        const text = `Streamed Responses answer from ${name}, ünïcode ✓.`;
        fake.answerNext({ kind: 'text', text, promptTokens: 9, completionTokens: 7 });
        const stream = openai.responses.stream({ model: GROUP, input: 'Stream through the Responses API.' });
        let deltas = '';
        for await (const event of stream) if (event.type === 'response.output_text.delta') deltas += event.delta;
        const final = await stream.finalResponse();
        assert.equal(deltas, text);
        assert.equal(final.output_text, text);
        assert.equal(final.usage?.output_tokens, 7);
      }),
    );

    it(
      'Anthropic clients: a thinking request and countTokens, served through this provider',
      named(name, async () => {
        const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'sk-conformance-client', maxRetries: 0, timeout: 15_000 });
        fake.answerNext({ kind: 'text', text: `Considered answer from ${name}.`, promptTokens: 30, completionTokens: 9 });
        const m = await anthropic.messages.create({
          model: GROUP,
          max_tokens: 2048,
          thinking: { type: 'enabled', budget_tokens: 1024 },
          messages: [{ role: 'user', content: 'Think it over, then answer.' }],
        });
        const text = m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
        assert.equal(text, `Considered answer from ${name}.`);
        assert.equal(m.stop_reason, 'end_turn');
        const count = await anthropic.messages.countTokens({ model: GROUP, messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] });
        assert.ok(Number.isInteger(count.input_tokens) && count.input_tokens > 0, `input_tokens ${count.input_tokens}`);
      }),
    );

    it(
      'streamed text: chunks reassemble, the last chunk carries usage',
      { skip: !provider.supports.streaming && 'the provider does not stream' },
      named(name, async () => {
        const text = `Streamed answer from ${name}, in several pieces — with ünïcode ✓.`;
        fake.answerNext({ kind: 'text', text, promptTokens: 13, completionTokens: 11 });
        const stream = await openai.chat.completions.create({ model: GROUP, messages: user('Stream something.'), stream: true, stream_options: { include_usage: true } });
        const chunks: OpenAI.ChatCompletionChunk[] = [];
        for await (const c of stream) chunks.push(c);
        assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), text);
        assert.equal(chunks.map((c) => c.choices[0]?.finish_reason).find(Boolean), 'stop');
        const usage = chunks.at(-1)?.usage;
        assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens], [13, 11, 24], 'the last chunk carries the reported usage');
        const e = lastEvent();
        assert.equal(e.stream, true);
        assert.deepEqual([e.prompt_tokens, e.completion_tokens], [13, 11]);
      }),
    );

    it(
      'tool calls: name and arguments round-trip, finish_reason tool_calls',
      { skip: !provider.supports.tools && 'the provider has no tools' },
      named(name, async () => {
        fake.answerNext({ kind: 'tool_call', name: 'get_weather', arguments: TOOL_ARGS });
        const r = await openai.chat.completions.create({ model: GROUP, messages: user('Weather in Paris?'), tools: [weather] });
        const call = r.choices[0]?.message.tool_calls?.[0];
        assert.ok(call?.type === 'function', `expected a function tool call, got ${JSON.stringify(r.choices[0]?.message)}`);
        assert.equal(call.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGS);
        assert.ok(call.id, 'the tool call has an id');
        assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
        if (!provider.supports.streaming) return;
        fake.answerNext({ kind: 'tool_call', name: 'get_weather', arguments: TOOL_ARGS });
        const final = await openai.chat.completions.stream({ model: GROUP, messages: user('Weather in Paris, streamed?'), tools: [weather] }).finalChatCompletion();
        const streamed = final.choices[0]?.message.tool_calls?.[0];
        assert.ok(streamed?.type === 'function', `expected a streamed function tool call, got ${JSON.stringify(final.choices[0]?.message)}`);
        assert.equal(streamed.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(streamed.function.arguments), TOOL_ARGS);
        assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
      }),
    );

    for (const c of ERROR_CASES) {
      it(
        `errors: ${c.why}`,
        named(name, async () => {
          for (let i = 0; i < c.attempts; i++) fake.answerNext({ kind: 'error', error: c.error });
          const before = fake.requests().length;
          const err = await openai.chat.completions.create({ model: GROUP, messages: user(`Trigger ${c.error}.`) }).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(err instanceof c.sdkClass, `${c.error}: expected ${c.sdkClass.name}, got ${String(err)}`);
          assert.ok(c.status(err.status), `${c.error}: unexpected status ${err.status}`);
          if (c.code) assert.equal(err.code, c.code, `${c.error}: error code`);
          assert.equal(fake.requests().length - before, c.attempts, `${c.error}: upstream requests (retries)`);
          const e = lastEvent();
          assert.equal(e.type, 'error');
          assert.equal(e.attempts.length, c.attempts, `${c.error}: attempts recorded in the event`);
        }),
      );
    }

    it(
      'usage and cost: the response event has the tokens and a non-zero cost',
      named(name, async () => {
        fake.answerNext({ kind: 'text', text: 'Priced answer.', promptTokens: 1200, completionTokens: 300 });
        await openai.chat.completions.create({ model: GROUP, messages: user('What does this cost?') });
        const e = lastEvent();
        assert.equal(e.type, 'response');
        assert.deepEqual([e.prompt_tokens, e.completion_tokens, e.total_tokens], [1200, 300, 1500]);
        const cost = new PriceBook(gw.config.model_list).costOfDeployment(e, { prompt_tokens: e.prompt_tokens, completion_tokens: e.completion_tokens });
        assert.notEqual(cost.source, 'unpriced', 'the model entry sets input/output_cost_per_token or names a model the price database knows');
        assert.ok(cost.costUsd > 0, `cost ${cost.costUsd} from ${cost.source}`);
      }),
    );

    it(
      'cancellation: aborting a stalled call closes the provider request',
      named(name, async () => {
        fake.answerNext({ kind: 'stall' });
        const before = fake.requests().length;
        const controller = new AbortController();
        const outcome = (async () => {
          if (!provider.supports.streaming) {
            await openai.chat.completions.create({ model: GROUP, messages: user('Never answered.') }, { signal: controller.signal });
            return;
          }
          const stream = await openai.chat.completions.create({ model: GROUP, messages: user('Stall, please.'), stream: true }, { signal: controller.signal });
          for await (const chunk of stream) void chunk; // the first chunk arrives, then nothing until the abort
        })().then(
          // The SDK ends a stream's iteration quietly when its signal aborts.
          () => (controller.signal.aborted && provider.supports.streaming ? 'aborted' : 'finished before the abort'),
          (e: unknown) => (e instanceof OpenAI.APIUserAbortError ? 'aborted' : `failed: ${String(e)}`),
        );
        const deadline = Date.now() + 5_000;
        while (fake.requests().length === before && Date.now() < deadline) await sleep(10);
        const upstream = fake.requests()[before];
        assert.ok(upstream, 'the provider received the request');
        await sleep(100); // let the stream start (the first chunk reaches the client)
        controller.abort();
        assert.equal(await outcome, 'aborted');
        const closed = await Promise.race([upstream.closedEarly.then(() => true), sleep(CLOSE_BOUND_MS).then(() => false)]);
        assert.ok(closed, `the provider's request stays open ${CLOSE_BOUND_MS} ms after the client aborted`);
      }),
    );
  });
}
