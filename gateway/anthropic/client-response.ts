// /v1/messages out: the canonical (OpenAI chat) completion → the Anthropic Message a client expects.
import { isRecord } from '../../lib/is-record.ts';
import type { ChatCompletion } from '../../core/llm.ts';
import { textOf, thinkingBlocksOf } from './blocks.ts';
import { anthropicUsageFromOpenAI } from './usage.ts';
import { stopReasonFrom, type AnthropicMessage, type AnthropicResponseBlock } from './wire.ts';

/** `msg_…` ids for Anthropic clients. */
export function anthropicMessageId(id: string | undefined): string {
  if (id?.startsWith('msg_')) return id;
  const tail = (id ?? '').replace(/^chatcmpl-/, '').replace(/[^A-Za-z0-9_-]/g, '');
  return `msg_${tail || Math.random().toString(36).slice(2)}`;
}

export function parseToolInput(args: string | undefined): unknown {
  if (!args || !args.trim()) return {};
  try {
    const v: unknown = JSON.parse(args);
    return isRecord(v) ? v : { value: v };
  } catch {
    return {};
  }
}

/** OpenAI chat completion → Anthropic Message (first choice). */
export function openAIResponseToAnthropic(completion: ChatCompletion, requestedModel: string): AnthropicMessage {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: AnthropicResponseBlock[] = [];
  if (message) {
    content.push(...thinkingBlocksOf(message));
    if (!content.length && typeof message.reasoning_content === 'string' && message.reasoning_content) {
      content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
    }
    const text = textOf(message.content);
    if (text) content.push({ type: 'text', text });
    for (const call of message.tool_calls ?? []) {
      content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) });
    }
  }
  return {
    id: anthropicMessageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    // Some OpenAI-style servers say "stop" even when they called tools; Anthropic clients key off tool_use.
    stop_reason: message?.tool_calls?.length ? 'tool_use' : (stopReasonFrom(choice?.finish_reason) ?? 'end_turn'),
    stop_sequence: null,
    usage: anthropicUsageFromOpenAI(completion.usage),
  };
}
