// Adversarial suite (issue 12), part 5: property-based fuzzing (fast-check) of request bodies shaped like OpenAI's
// chat/completions/embeddings requests and Anthropic's messages requests — random types in every field, nesting
// up to a bound, long strings, lone surrogates, zero-width, RTL, NUL, huge and non-finite numbers (as JSON
// literals too), extra fields — sent to a real gateway with a budgeted key.
// Every answer must be 2xx or 4xx (never 5xx, never a hang: per-request deadline), a 4xx in the endpoint's own
// error shape (OpenAI `{error:{message,type,param,code}}`, Anthropic `{type:'error',error:{type,message}}` on
// /v1/messages), /health/live must answer within 250 ms while they are served and after every batch, and at the end
// a normal request still reaches ClickHouse.
// Violations are collected over the whole run (no shrinking) so one run lists every class of failure with a few
// examples; the seed is fixed for reproducible runs — HELIX_FUZZ_SEED=<n> explores other inputs, HELIX_FUZZ_RUNS=<n>
// changes the runs per shape.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TEST_PRICES, type TrafficKey } from '../helpers/traffic.ts';
import { LIVE_LIMIT_MS, call, canaryReachesClickHouse, errorProblem, monitorLiveness, probeLive, short, startStack, type AdversarialStack, type HttpResult, type LivenessReport } from '../helpers/adversarial.ts';

const CONFIG = {
  model_list: [
    { model_name: 'mock/echo', litellm_params: { model: 'mock/echo', ...TEST_PRICES } },
    { model_name: 'mock/fixed', litellm_params: { model: 'mock/fixed', ...TEST_PRICES } },
  ],
  helix_settings: { semantic_cache: { semantic_enabled: false } },
};
const SEED = Number(process.env.HELIX_FUZZ_SEED ?? 1_2026);
const RUNS = Number(process.env.HELIX_FUZZ_RUNS ?? 0);
const BATCH = 25;
const REQUEST_DEADLINE_MS = 15_000;
const SHAPE_TIME_LIMIT_MS = 60_000;
const MINIMIZE_TIME_LIMIT_MS = 20_000;

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

/** A JSON literal written as-is (numbers JSON.stringify cannot write: 1e999, -0, 30-digit integers, NaN…). */
class RawJson {
  constructor(readonly text: string) {}
}
function serialize(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(serialize).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${serialize(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const WEIRD = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u200B\u200C\u200D\u2060\uFEFF',
  '\u202Eevil\u202C',
  '\u200Fשלום\u200E',
  '\uD800',
  '\uDC00',
  'x\uD83D',
  '\uD83D\uDE00',
  'e\u0301\u0301\u0301',
  '４１１１ １１１１ １１１１ １１１１',
  'jane＠example.com',
  'jane.doe@example.com 536-22-8790',
  '${jndi:ldap://127.0.0.1/a}',
  "'; DROP TABLE helix.responses; --",
  '../../etc/passwd',
  '%s%n%x',
  '\r\n\r\nHTTP/1.1 200 OK',
  'null',
  'NaN',
  '__proto__',
  'constructor',
  'mock/echo\u0000',
  ' mock/echo',
  'MOCK/ECHO',
];
const weird = fc.constantFrom(...WEIRD);
/** Long strings, one character repeated among them (bounded: the 50k case is the freeze test's). */
const longText = fc.tuple(fc.integer({ min: 200, max: 2_000 }), fc.constantFrom('a', 'é', '😀', '\u200B', 'ab ', 'x\u0000', '\uD800')).map(([n, c]) => c.repeat(n));
const str = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: weird },
  { weight: 1, arbitrary: longText },
);
const num = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, -0, 0.5, 1.5, 128, 129),
  fc.constantFrom('1e999', '-1e999', '123456789012345678901234567890', '-0', '1E2', '1e-400').map((t) => new RawJson(t)),
);
/** Not JSON at all (a 400 is the right answer). */
const invalidLiteral = fc.constantFrom('NaN', 'Infinity', '-Infinity', '01', '.5', '+1', 'undefined', "'x'").map((t) => new RawJson(t));
const key = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: weird });
const deep = fc.tuple(fc.integer({ min: 10, max: 64 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { d: v };
  return v;
});
const { junk } = fc.letrec((tie) => ({
  junk: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    str,
    num,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('junk'), { maxLength: 5 }),
    fc.dictionary(key, tie('junk'), { maxKeys: 5 }),
    deep,
  ),
}));
/** Mostly a plausible value, sometimes anything at all (per field: most bodies get past validation, many do not). */
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 40, arbitrary: arb }, { weight: 1, arbitrary: junk });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const smallInt = fc.integer({ min: 1, max: 64 });
const model = maybe(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('mock/echo', 'mock/fixed') }, { weight: 1, arbitrary: str }));
const extras = fc.dictionary(key, junk, { maxKeys: 3 });
/** A body with extra fields; sometimes one field that is not JSON at all, sometimes no body shape at all. */
const withExtras = (body: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.tuple(body, extras).map(([b, e]) => ({ ...e, ...b })) },
    { weight: 1, arbitrary: fc.tuple(body, key, invalidLiteral).map(([b, k, bad]) => ({ ...b, [k]: bad })) },
    { weight: 1, arbitrary: junk },
  );
const record = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = []) => fc.record(fields, { requiredKeys: required as never[] }) as fc.Arbitrary<Record<string, unknown>>;

// OpenAI chat
const contentPart = record({ type: maybe(fc.constantFrom('text', 'image_url', 'input_audio', 'file', 'refusal')), text: maybe(str), image_url: maybe(record({ url: maybe(str), detail: maybe(fc.constantFrom('low', 'high', 'auto')) })) }, ['type']);
const chatContent = fc.oneof(str, fc.array(contentPart, { maxLength: 4 }), fc.constant(null));
const toolCall = record({ id: maybe(str), type: maybe(fc.constant('function')), function: maybe(record({ name: maybe(str), arguments: maybe(fc.oneof(str, junk.map(serialize))) })) });
const chatMessage = record(
  { role: maybe(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function')), content: maybe(chatContent), name: maybe(str), tool_calls: maybe(fc.array(toolCall, { maxLength: 3 })), tool_call_id: maybe(str), refusal: maybe(str) },
  ['role'],
);
const openAiTool = record({ type: maybe(fc.constant('function')), function: maybe(record({ name: maybe(str), description: maybe(str), parameters: maybe(junk), strict: maybe(fc.boolean()) })) });
const chatBody = withExtras(
  record({
    model,
    messages: maybe(fc.array(chatMessage, { minLength: 1, maxLength: 5 })),
    stream: opt(maybe(fc.boolean())),
    max_tokens: opt(maybe(smallInt)),
    max_completion_tokens: opt(maybe(smallInt)),
    temperature: opt(maybe(fc.double({ min: 0, max: 2, noNaN: true }))),
    top_p: opt(maybe(fc.double({ min: 0, max: 1, noNaN: true }))),
    n: opt(maybe(fc.integer({ min: 1, max: 3 }))),
    stop: opt(maybe(fc.oneof(str, fc.array(str, { maxLength: 4 })))),
    tools: opt(maybe(fc.array(openAiTool, { maxLength: 3 }))),
    tool_choice: opt(maybe(fc.oneof(fc.constantFrom('auto', 'none', 'required'), record({ type: fc.constant('function'), function: record({ name: maybe(str) }) })))),
    stream_options: opt(maybe(record({ include_usage: maybe(fc.boolean()) }))),
    response_format: opt(maybe(record({ type: maybe(fc.constantFrom('text', 'json_object', 'json_schema')), json_schema: maybe(junk) }))),
    user: opt(maybe(str)),
    metadata: opt(maybe(fc.dictionary(key, str, { maxKeys: 5 }))),
    seed: opt(maybe(num)),
    logit_bias: opt(maybe(fc.dictionary(key, num, { maxKeys: 3 }))),
    prediction: opt(maybe(record({ type: maybe(fc.constant('content')), content: maybe(chatContent) }))),
  }, ['model', 'messages']),
);

// OpenAI completions and embeddings
const tokenIds = fc.array(fc.integer({ min: -5, max: 300_000 }), { maxLength: 20 });
const completionsBody = withExtras(
  record({
    model,
    prompt: maybe(fc.oneof(str, fc.array(str, { maxLength: 4 }), tokenIds, fc.array(tokenIds, { maxLength: 3 }))),
    stream: opt(maybe(fc.boolean())),
    max_tokens: opt(maybe(smallInt)),
    echo: opt(maybe(fc.boolean())),
    suffix: opt(maybe(str)),
    logprobs: opt(maybe(fc.integer({ min: 0, max: 5 }))),
    best_of: opt(maybe(fc.integer({ min: 1, max: 3 }))),
    n: opt(maybe(fc.integer({ min: 1, max: 3 }))),
    stop: opt(maybe(fc.oneof(str, fc.array(str, { maxLength: 4 })))),
    temperature: opt(maybe(fc.double({ min: 0, max: 2, noNaN: true }))),
    stream_options: opt(maybe(record({ include_usage: maybe(fc.boolean()) }))),
    user: opt(maybe(str)),
  }, ['model', 'prompt']),
);
const embeddingsBody = withExtras(
  record({
    model,
    input: maybe(fc.oneof(str, fc.array(str, { maxLength: 5 }), tokenIds, fc.array(tokenIds, { maxLength: 3 }))),
    dimensions: opt(maybe(fc.integer({ min: 1, max: 64 }))),
    encoding_format: opt(maybe(fc.constantFrom('float', 'base64'))),
    user: opt(maybe(str)),
  }, ['model', 'input']),
);

// Anthropic messages
const textBlock = record({ type: fc.constant('text'), text: maybe(str), cache_control: opt(maybe(record({ type: fc.constant('ephemeral') }))) }, ['type']);
const block = fc.oneof(
  textBlock,
  record({ type: fc.constant('image'), source: maybe(record({ type: maybe(fc.constantFrom('base64', 'url')), media_type: maybe(str), data: maybe(str), url: maybe(str) })) }, ['type']),
  record({ type: fc.constant('tool_use'), id: maybe(str), name: maybe(str), input: maybe(junk) }, ['type']),
  record({ type: fc.constant('tool_result'), tool_use_id: maybe(str), content: maybe(fc.oneof(str, fc.array(textBlock, { maxLength: 3 }))), is_error: maybe(fc.boolean()) }, ['type']),
  record({ type: fc.constant('thinking'), thinking: maybe(str), signature: maybe(str) }, ['type']),
  record({ type: maybe(str) }, ['type']),
);
const anthropicMessage = record({ role: maybe(fc.constantFrom('user', 'assistant')), content: maybe(fc.oneof(str, fc.array(block, { maxLength: 4 }))) }, ['role', 'content']);
const messagesBody = withExtras(
  record(
    {
      model,
      max_tokens: maybe(fc.integer({ min: 1, max: 256 })),
      messages: maybe(fc.array(anthropicMessage, { minLength: 1, maxLength: 4 })),
      system: opt(maybe(fc.oneof(str, fc.array(textBlock, { maxLength: 3 })))),
      stream: opt(maybe(fc.boolean())),
      temperature: opt(maybe(fc.double({ min: 0, max: 1, noNaN: true }))),
      top_k: opt(maybe(smallInt)),
      top_p: opt(maybe(fc.double({ min: 0, max: 1, noNaN: true }))),
      stop_sequences: opt(maybe(fc.array(str, { maxLength: 4 }))),
      tools: opt(maybe(fc.array(record({ name: maybe(str), description: maybe(str), input_schema: maybe(junk) }), { maxLength: 3 }))),
      tool_choice: opt(maybe(fc.oneof(record({ type: fc.constantFrom('auto', 'any', 'none') }), record({ type: fc.constant('tool'), name: maybe(str) })))),
      metadata: opt(maybe(record({ user_id: maybe(str) }))),
      thinking: opt(maybe(record({ type: maybe(fc.constantFrom('enabled', 'disabled')), budget_tokens: maybe(fc.integer({ min: 0, max: 10_000 })) }))),
    },
    ['model', 'max_tokens', 'messages'],
  ),
);

// OpenAI Responses. Absent fields are left out (not sent as null) and the fields the gateway refuses are rare, so
// most bodies pass validation and reach the translation; junk still turns up in every field.
const defined = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
const rare = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const mostly = <T>(arb: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown>) => fc.oneof({ weight: 10, arbitrary: arb }, { weight: 1, arbitrary: odd });
const toolName = mostly(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), str);
const partType = mostly(fc.constantFrom('input_text', 'output_text', 'text'), str);
const responsesPart = fc.oneof(
  { weight: 6, arbitrary: record({ type: partType, text: maybe(str) }, ['type']) },
  { weight: 2, arbitrary: record({ type: fc.constant('input_image'), image_url: maybe(fc.oneof(str, fc.constantFrom('data:image/png;base64,iVBORw0KGgo=', 'https://127.0.0.1/cat.png'))), detail: maybe(fc.constantFrom('low', 'high', 'auto')), file_id: rare(str) }, ['type']) },
  { weight: 1, arbitrary: record({ type: fc.constant('input_file'), file_data: maybe(str), filename: maybe(str), file_id: rare(str) }, ['type']) },
  { weight: 1, arbitrary: record({ type: fc.constant('refusal'), refusal: maybe(str) }, ['type']) },
);
const responsesItem = fc.oneof(
  { weight: 8, arbitrary: record({ type: opt(fc.constant('message')), role: mostly(fc.constantFrom('user', 'assistant', 'system', 'developer'), str), content: maybe(fc.oneof(str, fc.array(responsesPart, { maxLength: 4 }))) }, ['role', 'content']).map(defined) },
  { weight: 3, arbitrary: record({ type: fc.constant('function_call'), id: opt(str), call_id: maybe(str), name: maybe(toolName), arguments: maybe(fc.oneof(str, junk.map(serialize))) }, ['type']).map(defined) },
  { weight: 3, arbitrary: record({ type: fc.constant('function_call_output'), call_id: maybe(str), output: maybe(fc.oneof(str, fc.array(responsesPart, { maxLength: 3 }))) }, ['type']).map(defined) },
  { weight: 1, arbitrary: record({ type: fc.constantFrom('reasoning', 'web_search_call', 'item_reference', 'computer_call', 'custom_tool_call'), id: maybe(str), summary: maybe(junk) }, ['type']) },
  { weight: 1, arbitrary: record({ type: maybe(str), role: maybe(str), content: maybe(junk) }) },
);
const responsesTool = fc.oneof(
  { weight: 8, arbitrary: record({ type: fc.constant('function'), name: toolName, description: opt(str), parameters: opt(mostly(fc.constant({ type: 'object', properties: { q: { type: 'string' } } }), junk)), strict: opt(maybe(fc.boolean())) }, ['type', 'name']).map(defined) },
  { weight: 1, arbitrary: record({ type: maybe(fc.constantFrom('web_search', 'file_search', 'mcp', 'custom', 'code_interpreter')), name: maybe(toolName) }, ['type']) },
);
const jsonSchemaFormat = record({ type: fc.constant('json_schema'), name: toolName, schema: mostly(fc.constant({ type: 'object', properties: { a: { type: 'string' } } }), fc.oneof(deep, junk)), strict: opt(fc.boolean()), description: opt(str) }, ['type', 'name', 'schema']).map(defined);
const responsesBody = withExtras(
  record(
    {
      model,
      input: maybe(fc.oneof(str, fc.array(responsesItem, { minLength: 1, maxLength: 5 }))),
      instructions: opt(maybe(fc.oneof(str, fc.constant(null)))),
      stream: opt(maybe(fc.boolean())),
      store: opt(maybe(fc.boolean())),
      max_output_tokens: opt(mostly(smallInt, num)),
      temperature: opt(mostly(fc.double({ min: 0, max: 2, noNaN: true }), num)),
      top_p: opt(maybe(fc.double({ min: 0, max: 1, noNaN: true }))),
      tools: opt(maybe(fc.array(responsesTool, { maxLength: 3 }))),
      tool_choice: opt(maybe(fc.oneof(fc.constantFrom('auto', 'none', 'required'), record({ type: fc.constantFrom('function', 'allowed_tools', 'web_search'), name: opt(toolName), mode: opt(fc.constantFrom('auto', 'required')), tools: opt(junk) }, ['type']).map(defined)))),
      parallel_tool_calls: opt(maybe(fc.boolean())),
      text: opt(maybe(record({ format: maybe(fc.oneof(record({ type: fc.constantFrom('text', 'json_object') }), jsonSchemaFormat)), verbosity: opt(maybe(fc.constantFrom('low', 'medium', 'high'))) }).map(defined))),
      reasoning: opt(maybe(record({ effort: maybe(fc.constantFrom('minimal', 'low', 'medium', 'high')), summary: maybe(fc.constantFrom('auto', 'concise', 'detailed')) }))),
      previous_response_id: rare(fc.oneof(str, fc.constant('resp_does_not_exist'))),
      user: opt(maybe(str)),
      metadata: opt(maybe(fc.dictionary(key, str, { maxKeys: 5 }))),
      truncation: opt(maybe(fc.constantFrom('auto', 'disabled'))),
      include: opt(maybe(fc.array(str, { maxLength: 3 }))),
      background: rare(maybe(fc.boolean())),
      conversation: rare(str),
      prompt: rare(record({ id: maybe(str) })),
    },
    ['model', 'input'],
  ).map(defined),
);

// Anthropic count_tokens (a Messages body without max_tokens)
const countTokensBody = withExtras(
  record(
    {
      model,
      messages: maybe(fc.array(anthropicMessage, { minLength: 1, maxLength: 4 })),
      system: opt(maybe(fc.oneof(str, fc.array(textBlock, { maxLength: 3 })))),
      tools: opt(maybe(fc.array(record({ name: maybe(str), description: maybe(str), input_schema: maybe(junk) }), { maxLength: 3 }))),
      tool_choice: opt(maybe(fc.oneof(record({ type: fc.constantFrom('auto', 'any', 'none') }), record({ type: fc.constant('tool'), name: maybe(str) })))),
      thinking: opt(maybe(record({ type: maybe(fc.constantFrom('enabled', 'disabled')), budget_tokens: maybe(fc.integer({ min: 0, max: 10_000 })) }))),
    },
    ['model', 'messages'],
  ),
);

const SHAPES: Array<{ path: string; body: fc.Arbitrary<unknown>; runs: number }> = [
  { path: '/v1/chat/completions', body: chatBody, runs: RUNS || 300 },
  { path: '/v1/completions', body: completionsBody, runs: RUNS || 200 },
  { path: '/v1/embeddings', body: embeddingsBody, runs: RUNS || 200 },
  { path: '/v1/messages', body: messagesBody, runs: RUNS || 300 },
  { path: '/v1/responses', body: responsesBody, runs: RUNS || 300 },
  { path: '/v1/messages/count_tokens', body: countTokensBody, runs: RUNS || 200 },
];

// ---------------------------------------------------------------------------------------------------------------

interface Violation {
  kind: string;
  value: unknown;
  answer: string;
  minimal?: string;
}

/** What is wrong with an answer, or undefined when it is a 2xx or a 4xx in the endpoint's error shape. */
function classify(path: string, r: HttpResult): string | undefined {
  if (r.failure) return r.failure.includes('TimeoutError') ? `no answer within ${REQUEST_DEADLINE_MS / 1000} s` : `connection failed (${r.failure.split(':')[0]})`;
  if (r.status >= 500 || r.status < 200 || (r.status >= 300 && r.status < 400)) return `HTTP ${r.status}`;
  if (r.status >= 400) {
    const problem = errorProblem(path, r.text);
    return problem ? `HTTP ${r.status} not in the endpoint's error shape (${problem.split(':')[0]})` : undefined;
  }
  if ((r.headers.get('content-type') ?? '').includes('text/event-stream')) return undefined;
  try {
    JSON.parse(r.text);
    return undefined;
  } catch {
    return `HTTP ${r.status} with a body that is not JSON`;
  }
}

/** Smaller variants of a JSON value: a key or element removed, a long string halved, then the same inside. */
function* smaller(v: unknown): Generator<unknown> {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield [...v.slice(0, i), ...v.slice(i + 1)];
    for (let i = 0; i < v.length; i++) for (const x of smaller(v[i])) yield [...v.slice(0, i), x, ...v.slice(i + 1)];
  } else if (v && typeof v === 'object' && !(v instanceof RawJson)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const { [k]: _drop, ...rest } = o;
      yield rest;
    }
    for (const k of Object.keys(o)) for (const x of smaller(o[k])) yield { ...o, [k]: x };
  } else if (typeof v === 'string' && v.length > 8) {
    yield v.slice(0, Math.ceil(v.length / 2));
  }
}

/** Greedy minimisation of a failing body (bounded number of requests): a readable repro for the report. */
async function minimize(value: unknown, stillFails: (v: unknown) => Promise<boolean>, deadline: number, maxTries = 250): Promise<unknown> {
  let current = value;
  let tries = 0;
  for (let improved = true; improved && tries < maxTries; ) {
    improved = false;
    for (const candidate of smaller(current)) {
      if (++tries > maxTries || Date.now() > deadline) return current;
      if (await stillFails(candidate)) {
        current = candidate;
        improved = true;
        break;
      }
    }
  }
  return current;
}

describe(`adversarial: fuzzed request bodies (fast-check, seed ${SEED})`, () => {
  let stack: AdversarialStack;
  let key: TrafficKey;
  before(async () => {
    stack = await startStack(CONFIG);
    key = await stack.key({ max_budget: 1000, budget_duration: '1d' });
  });
  after(async () => {
    await stack?.stop();
  });

  for (const shape of SHAPES) {
    it(`${shape.path}: ${shape.runs} random bodies → 2xx or a 4xx in the endpoint's error shape, never 5xx or a hang; /health/live < ${LIVE_LIMIT_MS} ms after every batch of ${BATCH}`, async (t) => {
      const violations: Violation[] = [];
      const kinds = new Map<string, number>();
      const statuses = new Map<number, number>();
      const refusals = new Map<string, number>();
      let runs = 0;
      let replaced = 0;
      const flights: Array<{ start: number; end: number; value: unknown }> = [];
      const send = (value: unknown) =>
        call(stack.url, shape.path, undefined, { key: key.key, raw: serialize(value), headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, timeoutMs: REQUEST_DEADLINE_MS });
      const note = (kind: string, value: unknown, answer: string) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (violations.filter((v) => v.kind === kind).length < 4) violations.push({ kind, value, answer: short(answer, 300) });
      };
      const checkLiveness = async () => {
        const live = await probeLive(stack.url);
        if (live.ok && live.ms <= LIVE_LIMIT_MS) return true;
        note(live.ok ? `/health/live took more than ${LIVE_LIMIT_MS} ms after a batch` : '/health/live did not answer within 2 s after a batch', `after run ${runs}`, `${Math.round(live.ms)} ms`);
        // A frozen or dead gateway would turn every later run into noise: a new process (at most twice per shape).
        if (!live.ok && replaced < 2) {
          replaced++;
          await stack.replaceGateway({ fresh: true });
        }
        return live.ok;
      };

      // /health/live throughout, too: a body that stalls the event loop shows while it is being served.
      const monitor = monitorLiveness(stack.url, 100);
      let during: LivenessReport;
      try {
        await fc.assert(
          fc.asyncProperty(shape.body, async (value) => {
            const start = performance.now();
            const r = await send(value);
            flights.push({ start, end: performance.now(), value });
            runs++;
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status >= 400 && r.status < 500) {
              const m = /"message"\s*:\s*"([^"]{0,60})/.exec(r.text)?.[1] ?? '?';
              const label = `${r.status} ${m.replace(/[\d]+/g, 'N')}`;
              refusals.set(label, (refusals.get(label) ?? 0) + 1);
            }
            const kind = classify(shape.path, r);
            if (kind) note(kind, value, r.failure ?? r.text);
            if (runs % BATCH === 0) await checkLiveness();
          }),
          { numRuns: shape.runs, seed: SEED, endOnFailure: true, plugins: [fc.interruptAfterTimeLimit(SHAPE_TIME_LIMIT_MS)] },
        );
      } finally {
        during = await monitor.stop();
      }
      // A slow probe blames the body served meanwhile only if that body stalls the gateway again on its own (a busy
      // shared machine can delay one probe; a body that blocks the event loop does it every time).
      const noise: string[] = [];
      for (const slow of during.slowAt.slice(0, 3)) {
        const suspects = flights.filter((f) => f.start < slow.end && f.end > slow.start).slice(0, 2);
        let blamed = false;
        for (const suspect of suspects) {
          const again = monitorLiveness(stack.url, 20);
          const r = await send(suspect.value);
          const replay = await again.stop();
          if (replay.maxMs > LIVE_LIMIT_MS) {
            note(`/health/live took more than ${LIVE_LIMIT_MS} ms while a body was served (reproduced)`, suspect.value, `probe ${slow.ms} ms, again ${replay.maxMs} ms (answer ${r.status} in ${Math.round(r.ms)} ms)`);
            blamed = true;
            break;
          }
        }
        if (!blamed) noise.push(`${slow.ms} ms`);
      }
      if (noise.length) t.diagnostic(`slow /health/live probes that did not reproduce with the body served meanwhile (machine noise): ${noise.join(', ')}`);
      const alive = await checkLiveness();

      // A readable repro of each example of an answer that must not happen (only while the gateway is up).
      if (alive) {
        const deadline = Date.now() + MINIMIZE_TIME_LIMIT_MS;
        for (const v of violations) {
          if (typeof v.value === 'string' || v.kind.startsWith('/health') || v.kind.startsWith('no answer') || v.kind.startsWith('connection')) continue;
          v.minimal = serialize(await minimize(v.value, async (candidate) => classify(shape.path, await send(candidate)) === v.kind, deadline));
        }
      }

      const seen = [...statuses].sort(([a], [b]) => a - b).map(([st, n]) => `${st}:${n}`).join(' ');
      const topRefusals = [...refusals].sort(([, a], [, b]) => b - a).slice(0, 6).map(([m, n]) => `${n}× ${m}`).join(' | ');
      t.diagnostic(`${runs} runs, statuses ${seen}; most common refusals: ${topRefusals}`);
      const summary = [...kinds].map(([k, n]) => `${n}× ${k}`).join('; ');
      // Several examples per kind, each minimised: one line per distinct repro.
      const shown = new Set<string>();
      const examples = violations
        .filter((v) => {
          const id = `${v.kind}|${v.minimal ?? serialize(v.value)}`;
          if (shown.has(id)) return false;
          shown.add(id);
          return true;
        })
        .map((v) => `  [${v.kind}]${v.minimal ? `\n    minimal body: ${short(v.minimal, 600)}` : ''}\n    body:   ${short(typeof v.value === 'string' ? v.value : serialize(v.value), v.minimal ? 200 : 600)}\n    answer: ${v.answer}`)
        .join('\n');
      assert.ok(runs >= Math.min(shape.runs, 50), `only ${runs} runs in ${SHAPE_TIME_LIMIT_MS / 1000} s`);
      assert.equal(violations.length, 0, `${summary} (of ${runs} runs; statuses ${seen}; seed ${SEED})\n${examples}`);
    });
  }

  it('a normal request still reaches ClickHouse afterwards', async () => {
    const canary = await canaryReachesClickHouse(stack);
    assert.ok(canary.ok, canary.detail);
  });
});
