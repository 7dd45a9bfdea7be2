// OpenAI in the conformance suite, and the OpenAI-wire fake the Azure and OpenAI-compatible entries share: scripted
// answers as chat.completion JSON or chat.completion.chunk SSE (and on /responses as Response objects or typed
// events, see fakes/openai-responses.ts), errors in the shape each flavour of server sends.
import type { ModelEntry } from '../../../schemas/config.ts';
import { pieces, startFake, type FakeBehavior, type Json, type RecordedRequest, type SseEventSpec } from '../fake-upstreams.ts';
import type { ConformanceFake, ConformanceProvider, ScriptedAnswer } from './provider.ts';
import { scriptedResponses } from '../fakes/openai-responses.ts';

export type ErrorClass = Extract<ScriptedAnswer, { kind: 'error' }>['error'];

/** What differs between servers that speak OpenAI's chat wire. */
export interface OpenAIWireFlavour {
  name: string;
  /** The deployment pointing at the fake at `url` (its root, no `/v1`). */
  entry(modelName: string, url: string): ModelEntry;
  /** The server's own answer to a request it would refuse (missing key, wrong path), if any. */
  reject?(req: RecordedRequest): FakeBehavior | undefined;
  /** The server's error answers; classes left out answer as OpenAI does. */
  errors?: Partial<Record<ErrorClass, FakeBehavior>>;
}

const openAIError = (status: number, message: string, type: string | null, code: string | null, param: string | null = null, headers?: Record<string, string>): FakeBehavior => ({
  kind: 'json',
  status,
  body: { error: { message, type, param, code } },
  ...(headers ? { headers } : {}),
});

/** OpenAI's own error answers (platform.openai.com/docs/guides/error-codes). */
export const OPENAI_ERRORS: Record<ErrorClass, FakeBehavior> = {
  auth: openAIError(401, 'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'),
  rate_limit: openAIError(429, 'Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1.', 'requests', 'rate_limit_exceeded', null, { 'retry-after-ms': '10', 'x-ratelimit-remaining-requests': '0' }),
  bad_request: openAIError(400, "Invalid value for 'temperature': must be between 0 and 2.", 'invalid_request_error', 'invalid_value', 'temperature'),
  server: openAIError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null),
  context_window: openAIError(
    400,
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
    'invalid_request_error',
    'context_length_exceeded',
    'messages',
  ),
  content_policy: openAIError(400, 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.', 'invalid_request_error', 'content_policy_violation'),
};

const CREATED = 1_700_000_000;

function completionBody(body: Json, message: Json, finish: string, usage: Json): Json {
  return { id: 'chatcmpl-conformance', object: 'chat.completion', created: CREATED, model: String(body.model ?? ''), choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage, system_fingerprint: 'fp_conf' };
}

function chunkEvents(body: Json, deltas: Json[], finish: string, usage: Json): SseEventSpec[] {
  const base = { id: 'chatcmpl-conformance', object: 'chat.completion.chunk', created: CREATED, model: String(body.model ?? ''), system_fingerprint: 'fp_conf' };
  const withUsage = (body.stream_options as Json | undefined)?.include_usage === true;
  const chunk = (delta: Json, finishReason: string | null = null): SseEventSpec => ({ data: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(withUsage ? { usage: null } : {}) } });
  const events = [chunk({ role: 'assistant', content: '', refusal: null }), ...deltas.map((d) => chunk(d)), chunk({}, finish)];
  if (withUsage) events.push({ data: { ...base, choices: [], usage } });
  events.push({ data: '[DONE]' });
  return events;
}

const usageOf = (prompt: number, completion: number): Json => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
});

/** A scripted answer as the OpenAI chat wire carries it (JSON, or SSE when the request streams). */
function answer(flavour: OpenAIWireFlavour, scripted: ScriptedAnswer, body: Json): FakeBehavior {
  const stream = body.stream === true;
  switch (scripted.kind) {
    case 'text': {
      const usage = usageOf(scripted.promptTokens, scripted.completionTokens);
      if (!stream) return { kind: 'json', body: completionBody(body, { role: 'assistant', content: scripted.text, refusal: null }, 'stop', usage) };
      return { kind: 'sse', events: chunkEvents(body, pieces(scripted.text).map((p) => ({ content: p })), 'stop', usage) };
    }
    case 'tool_call': {
      const args = JSON.stringify(scripted.arguments);
      const usage = usageOf(42, 17);
      const call = { id: 'call_conformance1', type: 'function', function: { name: scripted.name, arguments: args } };
      if (!stream) return { kind: 'json', body: completionBody(body, { role: 'assistant', content: null, refusal: null, tool_calls: [call] }, 'tool_calls', usage) };
      const fragments = args.match(/.{1,7}/gs) ?? [];
      const deltas = [{ tool_calls: [{ index: 0, ...call, function: { name: scripted.name, arguments: '' } }] }, ...fragments.map((f) => ({ tool_calls: [{ index: 0, function: { arguments: f } }] }))];
      return { kind: 'sse', events: chunkEvents(body, deltas, 'tool_calls', usage) };
    }
    case 'error':
      return flavour.errors?.[scripted.error] ?? OPENAI_ERRORS[scripted.error];
    case 'stall':
      if (!stream) return { kind: 'hang' };
      // The role chunk goes out, then nothing until the client goes away.
      return { kind: 'sse', events: chunkEvents(body, [], 'stop', usageOf(1, 1)), hold: { afterEvents: 1, until: new Promise<void>(() => undefined) } };
  }
}

/** Starts an OpenAI-wire fake for one flavour of server. */
export async function startOpenAIWireFake(flavour: OpenAIWireFlavour): Promise<ConformanceFake> {
  const queue: ScriptedAnswer[] = [];
  const fallback: ScriptedAnswer = { kind: 'text', text: `hello from ${flavour.name}`, promptTokens: 5, completionTokens: 3 };
  const fake = await startFake((req) => {
    const refused = flavour.reject?.(req);
    if (refused) return refused;
    if (req.path.endsWith('/responses')) {
      // OpenAI's Responses API: the gateway's native path for `openai/` deployments.
      const next = queue.shift() ?? fallback;
      return next.kind === 'error' ? answer(flavour, next, req.body) : scriptedResponses(req.body, next);
    }
    if (!req.path.endsWith('/chat/completions')) return openAIError(404, `Unknown request URL: POST ${req.path}.`, 'invalid_request_error', 'unknown_url');
    return answer(flavour, queue.shift() ?? fallback, req.body);
  });
  return {
    modelEntry: (modelName) => flavour.entry(modelName, fake.url),
    answerNext: (a) => void queue.push(a),
    requests: () => fake.requests,
    close: () => fake.close(),
  };
}

const KEY = 'sk-conformance-openai';

export const openai: ConformanceProvider = {
  name: 'openai',
  supports: { tools: true, streaming: true },
  start: () =>
    startOpenAIWireFake({
      name: 'openai',
      // gpt-4o-mini is in the price database: the cost case runs on its real prices.
      entry: (modelName, url) => ({ model_name: modelName, litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${url}/v1`, api_key: KEY } }),
      reject: (req) => (req.headers.authorization === `Bearer ${KEY}` ? undefined : OPENAI_ERRORS.auth),
    }),
};
