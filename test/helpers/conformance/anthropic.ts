// Anthropic in the conformance suite: a fake of the Messages API (POST /v1/messages and /v1/messages/count_tokens
// with x-api-key and anthropic-version), scripted answers as Message JSON or its event stream, and Anthropic's own error bodies
// (`{type: "error", error: {type, message}}`; overloaded is 529).
import { fakeAnthropicInputTokens, pieces, startFake, type FakeBehavior, type Json, type SseEventSpec } from '../fake-upstreams.ts';
import type { ConformanceFake, ConformanceProvider, ScriptedAnswer } from './provider.ts';

type ErrorClass = Extract<ScriptedAnswer, { kind: 'error' }>['error'];

const KEY = 'sk-ant-conformance';
const MODEL = 'claude-sonnet-4-5';

const anthropicError = (status: number, type: string, message: string, headers?: Record<string, string>): FakeBehavior => ({
  kind: 'json',
  status,
  body: { type: 'error', error: { type, message } },
  headers: { 'request-id': 'req_conformance', ...headers },
});

/** Anthropic's error answers (docs.anthropic.com/en/api/errors). */
export const ANTHROPIC_ERRORS: Record<ErrorClass, FakeBehavior> = {
  auth: anthropicError(401, 'authentication_error', 'invalid x-api-key'),
  rate_limit: anthropicError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.', { 'retry-after': '1' }),
  bad_request: anthropicError(400, 'invalid_request_error', 'temperature: range: 0..1'),
  server: anthropicError(529, 'overloaded_error', 'Overloaded'),
  context_window: anthropicError(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'),
  content_policy: anthropicError(400, 'invalid_request_error', 'Output blocked by content filtering policy'),
};

const ev = (type: string, data: Json = {}): SseEventSpec => ({ event: type, data: { type, ...data } });

function message(content: Json[], stop: string, input: number, output: number): Json {
  return { id: 'msg_conformance', type: 'message', role: 'assistant', model: MODEL, content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } };
}

/** message_start, the blocks' events, message_delta with the output count, message_stop. */
function streamOf(blocks: SseEventSpec[][], stop: string, input: number, output: number): SseEventSpec[] {
  const start = ev('message_start', { message: { ...message([], stop, input, 1), stop_reason: null } });
  const end = [ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: output } }), ev('message_stop')];
  return [start, ev('ping'), ...blocks.flat(), ...end];
}

function answer(scripted: ScriptedAnswer, body: Json): FakeBehavior {
  const stream = body.stream === true;
  switch (scripted.kind) {
    case 'text': {
      const { text, promptTokens: input, completionTokens: output } = scripted;
      if (!stream) return { kind: 'json', body: message([{ type: 'text', text }], 'end_turn', input, output) };
      const deltas = pieces(text).map((p) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } }));
      const block = [ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), ...deltas, ev('content_block_stop', { index: 0 })];
      return { kind: 'sse', events: streamOf([block], 'end_turn', input, output) };
    }
    case 'tool_call': {
      const use = { type: 'tool_use', id: 'toolu_conformance1', name: scripted.name, input: scripted.arguments };
      if (!stream) return { kind: 'json', body: message([use], 'tool_use', 40, 20) };
      const json = JSON.stringify(scripted.arguments);
      const fragments = (json.match(/.{1,9}/gs) ?? []).map((f) => ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: f } }));
      const block = [ev('content_block_start', { index: 0, content_block: { ...use, input: {} } }), ...fragments, ev('content_block_stop', { index: 0 })];
      return { kind: 'sse', events: streamOf([block], 'tool_use', 40, 20) };
    }
    case 'error':
      return ANTHROPIC_ERRORS[scripted.error];
    case 'stall':
      if (!stream) return { kind: 'hang' };
      // message_start goes out, then nothing until the client goes away.
      return { kind: 'sse', events: streamOf([], 'end_turn', 1, 1), hold: { afterEvents: 1, until: new Promise<void>(() => undefined) } };
  }
}

async function startAnthropicFake(): Promise<ConformanceFake> {
  const queue: ScriptedAnswer[] = [];
  const fallback: ScriptedAnswer = { kind: 'text', text: 'hello from anthropic', promptTokens: 5, completionTokens: 3 };
  const fake = await startFake((req) => {
    if (req.headers['x-api-key'] !== KEY) return ANTHROPIC_ERRORS.auth;
    if (!req.headers['anthropic-version']) return anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required');
    if (req.path === '/v1/messages/count_tokens') return { kind: 'json', body: { input_tokens: fakeAnthropicInputTokens(req.body) } };
    if (req.path !== '/v1/messages') return anthropicError(404, 'not_found_error', `Not found: ${req.path}`);
    return answer(queue.shift() ?? fallback, req.body);
  });
  return {
    // claude-sonnet-4-5 is in the price database: the cost case runs on its real prices.
    modelEntry: (modelName) => ({ model_name: modelName, litellm_params: { model: `anthropic/${MODEL}`, api_base: fake.url, api_key: KEY } }),
    answerNext: (a) => void queue.push(a),
    requests: () => fake.requests,
    close: () => fake.close(),
  };
}

export const anthropic: ConformanceProvider = {
  name: 'anthropic',
  supports: { tools: true, streaming: true },
  start: startAnthropicFake,
};
