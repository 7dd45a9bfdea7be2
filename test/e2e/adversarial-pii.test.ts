// Adversarial suite (issue 12), part 4: PII never leaks, with `log_prompts: true` (raw prompts in request events).
// Emails, SSNs and card numbers in every field that goes upstream — message content, tool-call arguments AND their
// keys, tool results, `name`, `prediction`, completions' `prompt`, embeddings' `input`, Anthropic `system`,
// `tool_use` input and `tool_result` — and disguised (fullwidth digits, `＠`, zero-width characters inside values):
// the raw value (and its undisguised form) reaches neither the provider, nor any Kafka topic, nor any ClickHouse
// table, nor the gateway's or consumers' logs. With `scan_output: true` an email in the model's answer (plain and
// streamed, split across chunks) reaches the client redacted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAnthropic, startFakeOpenAI, type FakeUpstream, type SseEventSpec } from '../helpers/fake-upstreams.ts';
import {
  MASTER,
  call,
  describeResult,
  dumpAnalytics,
  luhnComplete,
  missingResponseRows,
  readAllTopics,
  startStack,
  stringsIn,
  unmasked,
  type AdversarialStack,
} from '../helpers/adversarial.ts';

const config = (openaiUrl: string, anthropicUrl: string) => ({
  model_list: [
    { model_name: 'recorded', litellm_params: { model: 'openai/gpt-4o', api_base: `${openaiUrl}/v1`, api_key: 'sk-upstream' } },
    { model_name: 'recorded-claude', litellm_params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUrl, api_key: 'sk-ant-upstream' } },
  ],
  helix_settings: {
    log_prompts: true,
    pii_protection: { enabled: true, action: 'redact', scan_output: true },
    semantic_cache: { semantic_enabled: false },
  },
});

const NO_STORE = { 'cache-control': 'no-store' };

// Distinct values per place, so a leak names the field it came through.
let serial = 0;
const email = (tag: string) => `${tag}.doe@acme-corp.com`;
const ssn = () => `536-22-${8700 + ++serial}`;
const card = () => luhnComplete(`4111111111111${String(++serial).padStart(2, '0')}`).replace(/(\d{4})(?=\d)/g, '$1 ');

interface Planted {
  where: string;
  value: string;
}
const planted: Planted[] = [];
function plant(where: string, value: string): string {
  planted.push({ where, value });
  return value;
}

/** What must not show up: the value as sent, undisguised (NFKC, no format characters), and its bare digits. */
function needles(value: string): string[] {
  const plain = unmasked(value);
  const digits = plain.replace(/\D/g, '');
  return [...new Set([value, plain, ...(digits.length >= 9 ? [digits] : [])])];
}

function leaked(haystack: string[], among: Planted[] = planted): string[] {
  const out: string[] = [];
  for (const p of among) {
    const hit = needles(p.value).find((n) => haystack.some((h) => h.includes(n)));
    if (hit !== undefined) out.push(`${p.where}: ${JSON.stringify(hit)}`);
  }
  return out;
}

/** The text a client reads: message content / text blocks, or the deltas of a stream put back together. */
function clientText(text: string): string {
  const parts: string[] = [];
  const take = (v: unknown): void => {
    const o = v as Record<string, unknown> | null;
    if (!o || typeof o !== 'object') return;
    for (const c of (o.choices as Array<Record<string, unknown>> | undefined) ?? []) {
      const m = (c.message ?? c.delta) as Record<string, unknown> | undefined;
      if (typeof m?.content === 'string') parts.push(m.content);
      if (typeof c.text === 'string') parts.push(c.text);
    }
    for (const b of (o.content as Array<Record<string, unknown>> | undefined) ?? []) if (typeof b?.text === 'string') parts.push(b.text);
    const delta = o.delta as Record<string, unknown> | undefined;
    if (typeof delta?.text === 'string') parts.push(delta.text);
  };
  if (text.trimStart().startsWith('{')) take(JSON.parse(text));
  else for (const line of text.split('\n')) if (line.startsWith('data:')) {
    const data = line.slice(5).trim();
    if (data && data !== '[DONE]') take(JSON.parse(data));
  }
  return parts.join('');
}

describe('adversarial: PII never leaks (log_prompts on)', () => {
  let stack: AdversarialStack;
  let openai: FakeUpstream;
  let anthropic: FakeUpstream;
  const requestIds: string[] = [];

  before(async () => {
    [openai, anthropic] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    stack = await startStack(config(openai.url, anthropic.url), { HELIX_PII_HMAC_SECRET: 'adversarial-pii-secret' });
  });
  after(async () => {
    await stack?.stop();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  /** Sends each body; every answer is 2xx or 4xx; returns what the providers received meanwhile. */
  async function send(path: string, bodies: unknown[]): Promise<string[]> {
    const seen = { openai: openai.requests.length, anthropic: anthropic.requests.length };
    for (const body of bodies) {
      const r = await call(stack.url, path, body, { key: MASTER, timeoutMs: 15_000, headers: NO_STORE });
      assert.ok(r.status >= 200 && r.status < 500, describeResult(r));
      const id = r.headers.get('x-request-id');
      if (id) requestIds.push(id);
    }
    const received = [...openai.requests.slice(seen.openai), ...anthropic.requests.slice(seen.anthropic)];
    return received.flatMap((r) => stringsIn(JSON.stringify(r.body)));
  }

  const mark = () => planted.length;
  const since = (n: number) => planted.slice(n);

  // ---------------------------------------------------------------------------------------------------------------
  describe('the provider never receives the raw value', () => {
    it('chat: message content (string and content parts)', async () => {
      const m = mark();
      const upstream = await send('/v1/chat/completions', [
        { model: 'recorded', messages: [{ role: 'user', content: `Email ${plant('content', email('content'))}, SSN ${plant('content', ssn())}, card ${plant('content', card())}` }] },
        { model: 'recorded', messages: [{ role: 'user', content: [{ type: 'text', text: `My email is ${plant('content part', email('part'))} and my SSN is ${plant('content part', ssn())}` }] }] },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it('chat: tool-call arguments, their keys, and tool results', async () => {
      const m = mark();
      const args = JSON.stringify({ [plant('tool-call argument key', email('argkey'))]: 'primary', ssn: `SSN ${plant('tool-call argument value', ssn())}`, card: `card ${plant('tool-call argument value', card())}` });
      const upstream = await send('/v1/chat/completions', [
        {
          model: 'recorded',
          messages: [
            { role: 'user', content: 'Look up the customer' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] },
            { role: 'tool', tool_call_id: 'call_1', content: `Found: email ${plant('tool result', email('toolresult'))}, SSN ${plant('tool result', ssn())}` },
            { role: 'user', content: 'Summarize' },
          ],
          tools: [{ type: 'function', function: { name: 'lookup', description: 'Find a customer', parameters: { type: 'object', properties: {} } } }],
          tool_choice: 'none',
        },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it('chat: message name', async () => {
      const m = mark();
      const upstream = await send('/v1/chat/completions', [{ model: 'recorded', messages: [{ role: 'user', name: plant('name', email('name')), content: 'Hello there' }] }]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it('chat: prediction', async () => {
      const m = mark();
      const upstream = await send('/v1/chat/completions', [
        { model: 'recorded', messages: [{ role: 'user', content: 'Rewrite it' }], prediction: { type: 'content', content: `Contact ${plant('prediction', email('prediction'))}, SSN ${plant('prediction', ssn())}` } },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it("completions: prompt (string and list)", async () => {
      const m = mark();
      const upstream = await send('/v1/completions', [
        { model: 'recorded', prompt: `Write to ${plant('completions prompt', email('prompt'))} about SSN ${plant('completions prompt', ssn())}`, max_tokens: 16 },
        { model: 'recorded', prompt: ['first', `card ${plant('completions prompt list', card())}`], max_tokens: 16 },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it("embeddings: input (string and list)", async () => {
      const m = mark();
      const upstream = await send('/v1/embeddings', [
        { model: 'recorded', input: `Customer ${plant('embeddings input', email('embed'))} SSN ${plant('embeddings input', ssn())}` },
        { model: 'recorded', input: ['plain', `card ${plant('embeddings input list', card())}`] },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it('messages (Anthropic model): system, tool_use input and its keys, tool_result', async () => {
      const m = mark();
      const upstream = await send('/v1/messages', [
        {
          model: 'recorded-claude',
          max_tokens: 64,
          system: `The customer's SSN is ${plant('anthropic system', ssn())}`,
          tools: [{ name: 'lookup', description: 'Find a customer', input_schema: { type: 'object', properties: {} } }],
          tool_choice: { type: 'none' },
          messages: [
            { role: 'user', content: 'Look up the customer' },
            {
              role: 'assistant',
              content: [
                { type: 'text', text: 'Looking it up.' },
                { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { [plant('anthropic tool_use key', email('usekey'))]: 'primary', card: `card ${plant('anthropic tool_use value', card())}` } },
              ],
            },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `Found ${plant('anthropic tool_result', email('anthresult'))}` }, { type: 'text', text: 'Summarize' }] },
          ],
        },
        { model: 'recorded-claude', max_tokens: 64, system: [{ type: 'text', text: `Escalate to ${plant('anthropic system block', email('sysblock'))}` }], messages: [{ role: 'user', content: 'hi' }] },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });

    it('disguised values: fullwidth digits, ＠, zero-width characters inside values', async () => {
      const m = mark();
      const fullwidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
      const upstream = await send('/v1/chat/completions', [
        { model: 'recorded', messages: [{ role: 'user', content: `SSN ${plant('fullwidth SSN', fullwidth(ssn()))} please` }] },
        { model: 'recorded', messages: [{ role: 'user', content: `card ${plant('fullwidth card', fullwidth(card()))} please` }] },
        { model: 'recorded', messages: [{ role: 'user', content: `write to ${plant('fullwidth at sign', 'fw.doe＠acme-corp.com')} please` }] },
        { model: 'recorded', messages: [{ role: 'user', content: `write to ${plant('zero-width in email', 'zw\u200Bname.doe@acme-corp.com')} please` }] },
        { model: 'recorded', messages: [{ role: 'user', content: `card ${plant('zero-width in card', card().replace(/ /g, '\u200D'))} please` }] },
        { model: 'recorded', messages: [{ role: 'user', content: `SSN ${plant('zero-width in SSN', ssn().replace('-', '\u200C-'))} please` }] },
      ]);
      assert.deepEqual(leaked(upstream, since(m)), []);
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('scan_output: PII in the answer reaches the client redacted', () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEventSpec => ({
      data: { id: 'chatcmpl-out', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] },
    });
    const completion = (content: string) => ({
      id: 'chatcmpl-out',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
    });
    let asked = 0;
    const ask = () => ({ messages: [{ role: 'user', content: `Who do I contact about case ${++asked}?` }] });
    const outputs: string[] = [];

    /** The client's text has the answer around the email, and no email the provider put in any answer. */
    async function answer(path: string, body: Record<string, unknown>, opts: { cache?: boolean } = {}): Promise<string> {
      const r = await call(stack.url, path, body, { key: MASTER, timeoutMs: 15_000, headers: opts.cache ? {} : NO_STORE });
      assert.equal(r.status, 200, describeResult(r));
      const id = r.headers.get('x-request-id');
      if (id) requestIds.push(id);
      const text = clientText(r.text);
      assert.match(text, /Reach me at/, `the answer arrived: ${text}`);
      assert.match(text, /any time/, `the answer arrived whole: ${text}`);
      const raw = outputs.filter((o) => needles(o).some((n) => text.includes(n)));
      assert.deepEqual(raw, [], `the client got a raw email: ${text}`);
      return r.headers.get('x-helix-cache') ?? '';
    }
    const output = (where: string, tag: string) => {
      const v = plant(where, email(tag));
      outputs.push(v);
      return v;
    };
    const streamed = (text: string, cut: number[]): SseEventSpec[] => [
      chunk({ role: 'assistant', content: '' }),
      ...cut.slice(1).map((end, i) => chunk({ content: text.slice(cut[i], end) })),
      chunk({}, 'stop'),
      { data: '[DONE]' },
    ];

    it('/v1/chat/completions, not streamed', async () => {
      openai.enqueue({ kind: 'json', body: completion(`Reach me at ${output('output (chat)', 'outplain')} any time.`) });
      await answer('/v1/chat/completions', { model: 'recorded', ...ask() });
    });

    it('/v1/chat/completions, streamed with the email split across chunks', async () => {
      const text = `Reach me at ${output('output (chat stream)', 'outstream')} any time.`;
      openai.enqueue({ kind: 'sse', events: streamed(text, [0, 14, 19, 27, 33, text.length]) });
      await answer('/v1/chat/completions', { model: 'recorded', stream: true, ...ask() });
    });

    it('/v1/chat/completions: the same question again (cacheable), plain then streamed — neither has the email', async () => {
      const question = ask();
      const text = `Reach me at ${output('output (cached)', 'outcache')} any time.`;
      // Served by the provider or replayed from the cache: the client gets it redacted either way. (The last test that
      // calls this fake: a behaviour a cache hit leaves queued harms nobody.)
      openai.enqueue({ kind: 'json', body: completion(text) }, { kind: 'sse', events: streamed(text, [0, 16, 24, text.length]) });
      await answer('/v1/chat/completions', { model: 'recorded', ...question }, { cache: true });
      await answer('/v1/chat/completions', { model: 'recorded', stream: true, ...question }, { cache: true });
    });

    it('/v1/messages (Anthropic model), not streamed', async () => {
      const secret = output('output (messages)', 'outanth');
      anthropic.enqueue({
        kind: 'json',
        body: { id: 'msg_out', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: `Reach me at ${secret} any time.` }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 9 } },
      });
      await answer('/v1/messages', { model: 'recorded-claude', max_tokens: 64, ...ask() });
    });

    it('/v1/messages (Anthropic model), streamed with the email split across chunks', async () => {
      const secret = output('output (messages stream)', 'outanthstream');
      const text = `Reach me at ${secret} any time.`;
      const cut = [0, 16, 22, 30, text.length];
      const ev = (type: string, data: Record<string, unknown>): SseEventSpec => ({ event: type, data: { type, ...data } });
      anthropic.enqueue({
        kind: 'sse',
        events: [
          ev('message_start', { message: { id: 'msg_out2', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
          ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          ...cut.slice(1).map((end, i) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: text.slice(cut[i], end) } })),
          ev('content_block_stop', { index: 0 }),
          ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }),
          ev('message_stop', {}),
        ],
      });
      await answer('/v1/messages', { model: 'recorded-claude', max_tokens: 64, stream: true, ...ask() });
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('nothing Helix wrote holds a raw value', () => {
    it('no raw value in any ClickHouse table', async () => {
      assert.ok(planted.length > 20 && requestIds.length > 10, 'the requests above ran');
      const missing = await missingResponseRows(stack, requestIds, 30_000);
      assert.deepEqual(missing, [], 'every request reached helix.responses');
      const tables = await dumpAnalytics(stack);
      const found = tables.flatMap((t) => leaked(stringsIn(t.text)).map((l) => `${t.table} ← ${l}`));
      assert.deepEqual(found, []);
    });

    it('no raw value on any Kafka topic', async () => {
      assert.ok(planted.length > 20, 'the requests above ran');
      const events = await readAllTopics(String(stack.env.HELIX_TOPIC_PREFIX));
      assert.ok(events.some((e) => e.topic.endsWith('helix.requests')), 'request events were read');
      const byTopic = new Map<string, string[]>();
      for (const e of events) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), ...stringsIn(e.value)]);
      const found = [...byTopic].flatMap(([topic, strings]) => leaked(strings).map((l) => `${topic} ← ${l}`));
      assert.deepEqual(found, []);
    });

    it('no raw value in the gateway or consumer logs', async () => {
      assert.ok(planted.length > 20, 'the requests above ran');
      const logs = stack.logs();
      assert.deepEqual(leaked(stringsIn(logs)), []);
    });
  });
});
