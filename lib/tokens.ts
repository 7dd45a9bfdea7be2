// Token counting like OpenAI's (o200k_base), for providers that report no usage and for budget estimates.
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import type { ChatMessage } from '../gateway/providers/types.ts';

let encoder: Tiktoken | undefined;
const enc = () => (encoder ??= new Tiktoken(o200k));

export function countTokens(text: string): number {
  return text ? enc().encode(text).length : 0;
}

export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
}

/** OpenAI's chat accounting: 3 tokens per message framing + role/name/content, plus 3 to prime the reply. */
export function countChatPromptTokens(messages: ChatMessage[]): number {
  let total = 3;
  for (const m of messages) {
    total += 3 + countTokens(m.role) + countTokens(messageText(m.content));
    if (m.name) total += 1 + countTokens(m.name);
    for (const call of m.tool_calls ?? []) total += countTokens(call.function.name) + countTokens(call.function.arguments);
  }
  return total;
}
