// An OpenAI upstream that also serves the Responses API: `POST /…/responses` answers a Response object, or with
// `stream: true` the typed SSE events (each with its sequence_number) ending in response.completed or
// response.incomplete, usage included. Other paths answer like startFakeOpenAI (chat completions). Also renders the
// conformance suite's scripted answers for the OpenAI wire fake (test/helpers/conformance/openai.ts).
import type { ScriptedAnswer } from '../conformance/provider.ts';
import { FAKE_OPENAI_TOOL_ARGS, lastUserText, openAIChatAnswer, pieces, startFake, type FakeBehavior, type FakeUpstream, type Json, type SseEventSpec } from '../fake-upstreams.ts';

const CREATED = 1_700_000_000;
let answered = 0;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The text of the last user message of a Responses input (a string is one; message items read like chat messages). */
const lastUserInput = (input: unknown): string => (typeof input === 'string' ? input : lastUserText(input));

const functionTool = (tools: unknown): Json | undefined => (Array.isArray(tools) ? (tools as Json[]).find((t) => t?.type === 'function') : undefined);

/** Whether the model calls the function tool: one is offered and the last input item is not a tool's output. */
function callsTool(body: Json): string | undefined {
  const tool = functionTool(body.tools);
  const input = Array.isArray(body.input) ? (body.input as Json[]) : [];
  if (!tool || body.tool_choice === 'none' || input[input.length - 1]?.type === 'function_call_output') return undefined;
  return str(tool.name) || 'tool';
}

/** What the fake model answers: text (cut short when `incomplete`) or one function call. */
export type ResponsesReply = { text: string; incomplete?: boolean } | { tool: string; arguments: string };

/** The Response object, or with `stream: true` the typed events, of one reply with this usage. */
export function responsesBehavior(body: Json, reply: ResponsesReply, tokens: { input: number; output: number }, options: { stall?: boolean } = {}): FakeBehavior {
  const usage = { input_tokens: tokens.input, input_tokens_details: { cached_tokens: 0 }, output_tokens: tokens.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: tokens.input + tokens.output };
  const status = 'text' in reply && reply.incomplete ? 'incomplete' : 'completed';
  const id = `resp_fake${++answered}`;
  const item: Json =
    'tool' in reply
      ? { type: 'function_call', id: 'fc_fake1', call_id: 'call_fake1', name: reply.tool, arguments: reply.arguments, status: 'completed' }
      : { type: 'message', id: 'msg_fake1', role: 'assistant', status, content: [{ type: 'output_text', text: reply.text, annotations: [], logprobs: [] }] };
  const response = (state: string, output: Json[], withUsage: boolean): Json => ({
    id,
    object: 'response',
    created_at: CREATED,
    status: state,
    background: false,
    error: null,
    incomplete_details: state === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: str(body.model),
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: withUsage ? usage : null,
    metadata: body.metadata ?? {},
  });
  if (body.stream !== true) return options.stall ? { kind: 'hang' } : { kind: 'json', body: response(status, [item], true) };

  let seq = 0;
  const events: SseEventSpec[] = [];
  const emit = (type: string, fields: Json) => events.push({ event: type, data: { type, sequence_number: seq++, ...fields } });
  emit('response.created', { response: response('in_progress', [], false) });
  emit('response.in_progress', { response: response('in_progress', [], false) });
  const at = { item_id: item.id, output_index: 0 };
  if ('tool' in reply) {
    emit('response.output_item.added', { output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } });
    for (const part of reply.arguments.match(/.{1,7}/gs) ?? []) emit('response.function_call_arguments.delta', { ...at, delta: part });
    emit('response.function_call_arguments.done', { ...at, name: reply.tool, arguments: reply.arguments });
  } else {
    emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    emit('response.content_part.added', { ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
    for (const delta of pieces(reply.text)) emit('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] });
    emit('response.output_text.done', { ...at, content_index: 0, text: reply.text, logprobs: [] });
    emit('response.content_part.done', { ...at, content_index: 0, part: { type: 'output_text', text: reply.text, annotations: [], logprobs: [] } });
  }
  emit('response.output_item.done', { output_index: 0, item });
  emit(`response.${status}`, { response: response(status, [item], true) });
  // A stall: the first event goes out, then nothing until the client goes away.
  return { kind: 'sse', events, ...(options.stall ? { hold: { afterEvents: 1, until: new Promise<void>(() => undefined) } } : {}) };
}

/** The answer the fake gives a Responses body: an echo (cut at max_output_tokens words) or a function call. */
export function responsesAnswer(body: Json): FakeBehavior {
  const tool = callsTool(body);
  const words = pieces(`Echo: ${lastUserInput(body.input)}`);
  const limit = typeof body.max_output_tokens === 'number' ? body.max_output_tokens : Infinity;
  const input = Math.ceil(JSON.stringify([body.instructions ?? '', body.input ?? '']).length / 4);
  if (tool) return responsesBehavior(body, { tool, arguments: FAKE_OPENAI_TOOL_ARGS }, { input, output: 12 });
  const kept = words.slice(0, Math.min(words.length, limit));
  return responsesBehavior(body, { text: kept.join(''), incomplete: kept.length < words.length }, { input, output: kept.length });
}

/** The fake: `/…/responses` as above, `/…/chat/completions` like startFakeOpenAI, anything else a 404. */
export function startFakeOpenAIResponses(): Promise<FakeUpstream> {
  return startFake((req) => {
    if (req.path.endsWith('/responses')) return responsesAnswer(req.body);
    if (req.path.endsWith('/chat/completions')) return openAIChatAnswer(req.body);
    return { kind: 'json', status: 404, body: { error: { message: `no route ${req.path}`, type: 'invalid_request_error', code: 'not_found' } } };
  });
}

/** A conformance suite's scripted answer (errors aside: each server flavour has its own) on the Responses API. */
export function scriptedResponses(body: Json, scripted: Exclude<ScriptedAnswer, { kind: 'error' }>): FakeBehavior {
  switch (scripted.kind) {
    case 'text':
      return responsesBehavior(body, { text: scripted.text }, { input: scripted.promptTokens, output: scripted.completionTokens });
    case 'tool_call':
      return responsesBehavior(body, { tool: scripted.name, arguments: JSON.stringify(scripted.arguments) }, { input: 42, output: 17 });
    case 'stall':
      return responsesBehavior(body, { text: '' }, { input: 1, output: 1 }, { stall: true });
  }
}
