// OpenAI Responses, natively (/v1/responses for a model group with OpenAI deployments): the body, the Response
// object and the stream events are the Responses API's own shapes, so built-in tools and every other field survive.
// Each attempt decides: an OpenAI deployment gets the body as is, any other deployment the translated chat call. A
// chunk is the list of events one upstream piece produced (a rewrite may add a delta before an item's `.done`).
import { countChatPromptTokens } from '../../../core/prompt-tokens.ts';
import type { ChatMessage, Usage } from '../../../core/llm.ts';
import { isRecord } from '../../../lib/is-record.ts';
import { hasResponsesApi, FINAL_EVENTS, type ResponsesEvent, type ResponsesMethods } from '../../providers/openai/responses.ts';
import type { ProviderAdapter, UpstreamCall } from '../../providers/types.ts';
import { inputToMessages } from '../../responses/client-request.ts';
import { usageFromResponses } from '../../responses/envelope.ts';
import { nativeResponse, nativeResponseStream, type NativeResponsesRequest } from '../../responses/native.ts';
import { translatedResponse, translatedResponseStream } from '../../responses/translated-call.ts';
import type { ResponseObject } from '../../responses/wire.ts';
import { modelField, type ChunkRewriter, type Operation, type OutputRewriter } from '../operation.ts';

export type ResponsesChunk = ResponsesEvent[];

/** Provider prefixes whose upstream has `/v1/responses` (Azure's lives under other paths and versions: translated). */
export const RESPONSES_PROVIDERS: ReadonlySet<string> = new Set(['openai']);

/** Whether an attempt's deployment speaks the Responses API itself. */
export function speaksResponses(adapter: ProviderAdapter, call: UpstreamCall): adapter is ProviderAdapter & ResponsesMethods {
  return RESPONSES_PROVIDERS.has(call.deployment.provider) && hasResponsesApi(adapter);
}

/** The prompt as chat messages (request event, tokenizer), once per body; items chat has no form for count as their JSON. */
const prompts = new WeakMap<object, ChatMessage[]>();
function promptOf(body: NativeResponsesRequest): ChatMessage[] {
  let messages = prompts.get(body);
  if (!messages) prompts.set(body, (messages = promptMessagesOf(body)));
  return messages;
}

function promptMessagesOf(body: NativeResponsesRequest): ChatMessage[] {
  try {
    return inputToMessages(body.input, body.instructions);
  } catch {
    const messages: ChatMessage[] = body.instructions ? [{ role: 'system', content: body.instructions }] : [];
    return [...messages, { role: 'user', content: typeof body.input === 'string' ? body.input : JSON.stringify(body.input ?? []) }];
  }
}

function finalResponse(res: ResponseObject | ResponsesChunk): ResponseObject | undefined {
  if (!Array.isArray(res)) return res;
  for (const event of res) if (FINAL_EVENTS.has(event.type) && isRecord(event.response)) return event.response as ResponseObject;
  return undefined;
}

/** The chat finish reason of a Response: its incomplete reason, else tool_calls or stop. */
function finishOf(response: ResponseObject): string {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  if (response.status === 'failed') return 'error';
  return response.output.some((item) => item.type === 'function_call') ? 'tool_calls' : 'stop';
}

/** Rewrites an output item's texts in place: `text` gives the new text of a part or of the arguments, or undefined. */
function rewriteItem(item: unknown, text: (field: string, current: string) => string | undefined): void {
  if (!isRecord(item)) return;
  if (item.type === 'message' && Array.isArray(item.content)) {
    item.content.forEach((part: unknown, i) => {
      if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string') part.text = text(`text:${i}`, part.text) ?? part.text;
    });
  } else if (item.type === 'function_call' && typeof item.arguments === 'string') {
    item.arguments = text('args', item.arguments) ?? item.arguments;
  }
}

function rewriteResponse(res: ResponseObject, rewrite: OutputRewriter): void {
  for (const item of res.output) rewriteItem(item, (field, current) => rewrite(current, field === 'args'));
}

/** Per stream rewriter: each (output_index, field) text as rewritten so far, to put into the `.done` events. */
const rewritten = new WeakMap<ChunkRewriter, Map<string, string>>();

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The deltas a flush returned, as events placed before the `.done` event that ended the item. */
function heldDeltas(done: ResponsesEvent, held: Array<{ field: string; text: string }>): ResponsesEvent[] {
  return held.map(({ field, text }) =>
    field === 'args'
      ? { type: 'response.function_call_arguments.delta', sequence_number: 0, item_id: done.item_id, output_index: done.output_index, delta: text }
      : { type: 'response.output_text.delta', sequence_number: 0, item_id: done.item_id, output_index: done.output_index, content_index: Number(field.slice(5)), delta: text, logprobs: [] },
  );
}

function rewriteEvents(chunk: ResponsesChunk, rw: ChunkRewriter): void {
  let texts = rewritten.get(rw);
  if (!texts) rewritten.set(rw, (texts = new Map()));
  const seen = texts;
  const key = (index: number, field: string) => `${index}:${field}`;
  const push = (event: ResponsesEvent, field: string, json: boolean) => {
    const index = num(event.output_index);
    const out = rw.push(index, field, String(event.delta ?? ''), json);
    seen.set(key(index, field), (seen.get(key(index, field)) ?? '') + out);
    event.delta = out;
  };
  const settled = (index: number) => (field: string) => seen.get(key(index, field));
  for (let i = 0; i < chunk.length; i++) {
    const event = chunk[i]!;
    const index = num(event.output_index);
    switch (event.type) {
      case 'response.output_text.delta':
        push(event, `text:${num(event.content_index)}`, false);
        break;
      case 'response.function_call_arguments.delta':
        push(event, 'args', true);
        break;
      case 'response.output_text.done':
      case 'response.function_call_arguments.done': {
        const held = rw.flush(index);
        for (const { field, text } of held) seen.set(key(index, field), (seen.get(key(index, field)) ?? '') + text);
        const added = heldDeltas(event, held);
        chunk.splice(i, 0, ...added);
        i += added.length;
        const field = event.type === 'response.output_text.done' ? `text:${num(event.content_index)}` : 'args';
        const text = seen.get(key(index, field));
        if (text !== undefined) event[field === 'args' ? 'arguments' : 'text'] = text;
        break;
      }
      case 'response.content_part.done': {
        const part = event.part;
        const text = seen.get(key(index, `text:${num(event.content_index)}`));
        if (isRecord(part) && part.type === 'output_text' && text !== undefined) part.text = text;
        break;
      }
      case 'response.output_item.done':
        rewriteItem(event.item, settled(index));
        break;
      default:
        if (FINAL_EVENTS.has(event.type) && isRecord(event.response) && Array.isArray(event.response.output)) {
          event.response.output.forEach((item: unknown, at) => rewriteItem(item, settled(at)));
        }
    }
  }
}

export const openaiResponsesOperation: Operation<NativeResponsesRequest, ResponseObject, ResponsesChunk> = {
  kind: 'responses',
  skips: new Set(['swap', 'cache']),
  piiKind: 'openai.responses',
  ...modelField<NativeResponsesRequest>(),
  stream: (body) => body.stream === true,
  promptMessages: promptOf,
  promptTokens: (body) => countChatPromptTokens(promptOf(body)),
  outputTokens: (body) => (typeof body.max_output_tokens === 'number' && body.max_output_tokens > 0 ? Math.ceil(body.max_output_tokens) : undefined),
  withMaxTokens: (body, maxTokens) => ({ ...body, max_output_tokens: maxTokens }),
  call: (adapter, body, call) => (speaksResponses(adapter, call) ? nativeResponse(adapter, body, call) : translatedResponse(adapter, body, call)),
  callStream: (adapter, body, call) =>
    speaksResponses(adapter, call) ? nativeResponseStream(adapter, body, call) : translatedResponseStream(adapter, body, call, countChatPromptTokens(promptOf(body))),
  usage: (res): Usage | undefined => usageFromResponses(finalResponse(res)?.usage),
  finishReason(res) {
    const response = finalResponse(res);
    return response ? finishOf(response) : '';
  },
  chunkText(chunk) {
    let text = '';
    for (const event of chunk) {
      if (event.type === 'response.output_text.delta' || event.type === 'response.function_call_arguments.delta' || event.type === 'response.reasoning_summary_text.delta') {
        text += String(event.delta ?? '');
      }
    }
    return text;
  },
  rewriteOutput: rewriteResponse,
  // Each output item is its own text stream (the rewriter's "choice" is the output index).
  rewriteChunk: rewriteEvents,
};
