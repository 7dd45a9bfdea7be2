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

/**
 * Counts per message list: one request's prompt is counted by its TPM limit, the optimizer and its budget hold —
 * tokenizing once is enough. Keyed by the array, which nothing mutates (the PII stage builds a new one).
 */
const counted = new WeakMap<ChatMessage[], number>();

/** OpenAI's chat accounting: 3 tokens per message framing + role/name/content, plus 3 to prime the reply. */
export function countChatPromptTokens(messages: ChatMessage[]): number {
  const known = counted.get(messages);
  if (known !== undefined) return known;
  let total = 3;
  for (const m of messages) {
    total += 3 + countTokens(m.role) + countTokens(messageText(m.content));
    if (m.name) total += 1 + countTokens(m.name);
    for (const call of m.tool_calls ?? []) total += countTokens(call.function.name) + countTokens(call.function.arguments);
  }
  counted.set(messages, total);
  return total;
}
