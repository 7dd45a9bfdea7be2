// A chat prompt's tokens as OpenAI counts them, for providers that report no usage and for budget estimates.
import type { ChatMessage } from './llm.ts';
import { TokenCounter } from '../lib/tokens.ts';

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
  const counter = new TokenCounter();
  let total = 3;
  for (const m of messages) {
    total += 3 + counter.count(m.role) + counter.count(messageText(m.content));
    if (typeof m.name === 'string' && m.name) total += 1 + counter.count(m.name);
    for (const call of Array.isArray(m.tool_calls) ? m.tool_calls : []) total += counter.count(stringOr(call?.function?.name)) + counter.count(stringOr(call?.function?.arguments));
  }
  counted.set(messages, total);
  return total;
}

const stringOr = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A completions `prompt` or embeddings `input`: strings are tokenized, token ids count one each. */
export function countInputTokens(input: unknown): number {
  if (typeof input === 'string') return new TokenCounter().count(input);
  if (typeof input === 'number') return 1;
  if (!Array.isArray(input)) return 0;
  let n = 0;
  for (const v of input) n += countInputTokens(v);
  return n;
}
