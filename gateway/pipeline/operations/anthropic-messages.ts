// Anthropic Messages, natively (/v1/messages for a model group with Anthropic deployments): the body, the message
// and the stream events are Anthropic's own shapes, so every Anthropic feature survives. Each attempt decides: an
// Anthropic deployment gets the body as is, any other deployment gets the translated chat call. A chunk is the list
// of events one upstream piece produced (a rewrite may add a delta before a block's end).
import { countChatPromptTokens } from '../../../core/prompt-tokens.ts';
import type { ChatMessage, Usage } from '../../../core/llm.ts';
import { anthropicRequestToOpenAI } from '../../anthropic/client-request.ts';
import { nativeMessage, nativeMessageStream, type NativeMessagesRequest } from '../../anthropic/native.ts';
import { translatedMessage, translatedMessageStream } from '../../anthropic/translated-call.ts';
import { usageFromAnthropic } from '../../anthropic/usage.ts';
import { finishReasonFrom, type AnthropicMessage, type AnthropicStreamEvent } from '../../anthropic/wire.ts';
import { requestedOutputTokens } from '../../budgets/worst-case.ts';
import type { ProviderAdapter } from '../../providers/types.ts';
import { modelField, type Operation } from '../operation.ts';

export type AnthropicChunk = AnthropicStreamEvent[];

/** Whether an attempt's deployment speaks the Messages API itself. */
export const speaksMessages = (adapter: ProviderAdapter) => adapter.name === 'anthropic';

/** The prompt as chat messages (for the request event and the tokenizer), translated once per body. */
const prompts = new WeakMap<object, ChatMessage[]>();
function promptOf(body: NativeMessagesRequest): ChatMessage[] {
  let messages = prompts.get(body);
  if (!messages) prompts.set(body, (messages = anthropicRequestToOpenAI(body).messages));
  return messages;
}

async function* single(events: AsyncIterable<AnthropicStreamEvent>): AsyncGenerator<AnthropicChunk, void, undefined> {
  for await (const event of events) yield [event];
}

function parseOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

export const anthropicMessagesOperation: Operation<NativeMessagesRequest, AnthropicMessage, AnthropicChunk> = {
  kind: 'messages',
  skips: new Set(['swap', 'cache']),
  piiKind: 'anthropic.messages',
  ...modelField<NativeMessagesRequest>(),
  stream: (body) => body.stream === true,
  promptMessages: promptOf,
  promptTokens: (body) => countChatPromptTokens(promptOf(body)),
  outputTokens: (body) => requestedOutputTokens(body),
  withMaxTokens: (body, maxTokens) => ({ ...body, max_tokens: maxTokens }),
  call: (adapter, body, call) => (speaksMessages(adapter) ? nativeMessage(body, call) : translatedMessage(adapter, body, call)),
  callStream: (adapter, body, call) =>
    speaksMessages(adapter) ? single(nativeMessageStream(body, call)) : translatedMessageStream(adapter, body, call, countChatPromptTokens(promptOf(body))),
  usage(res) {
    if (!Array.isArray(res)) return usageFromAnthropic(res.usage);
    let usage: Usage | undefined;
    for (const event of res) {
      if (event.type === 'message_start') usage = usageFromAnthropic(event.message.usage);
      else if (event.type === 'message_delta') usage = usageFromAnthropic(event.usage);
    }
    return usage;
  },
  finishReason(res) {
    if (!Array.isArray(res)) return finishReasonFrom(res.stop_reason) ?? '';
    for (const event of res) if (event.type === 'message_delta') return finishReasonFrom(event.delta.stop_reason) ?? '';
    return '';
  },
  chunkText(chunk) {
    let text = '';
    for (const event of chunk) {
      if (event.type !== 'content_block_delta') continue;
      const d = event.delta;
      if (d.type === 'text_delta') text += d.text;
      else if (d.type === 'input_json_delta') text += d.partial_json;
      else if (d.type === 'thinking_delta') text += d.thinking;
    }
    return text;
  },
  // Thinking blocks are left alone: they are signed, and a client sends them back to continue the conversation.
  rewriteOutput(res, rewrite) {
    for (const block of res.content) {
      if (block.type === 'text' && typeof block.text === 'string') block.text = rewrite(block.text, false);
      else if (block.type === 'tool_use') block.input = parseOr(rewrite(JSON.stringify(block.input ?? {}), true), block.input);
    }
  },
  // Each content block is its own text stream (the rewriter's "choice" is the block index).
  rewriteChunk(chunk, rw) {
    for (let i = 0; i < chunk.length; i++) {
      const event = chunk[i]!;
      if (event.type === 'content_block_delta') {
        const d = event.delta;
        if (d.type === 'text_delta') d.text = rw.push(event.index, 'text', d.text, false);
        else if (d.type === 'input_json_delta') d.partial_json = rw.push(event.index, 'json', d.partial_json, true);
      } else if (event.type === 'content_block_stop') {
        const held: AnthropicStreamEvent[] = rw.flush(event.index).map(({ field, text }) => ({
          type: 'content_block_delta',
          index: event.index,
          delta: field === 'text' ? { type: 'text_delta', text } : { type: 'input_json_delta', partial_json: text },
        }));
        chunk.splice(i, 0, ...held);
        i += held.length;
      }
    }
  },
};
