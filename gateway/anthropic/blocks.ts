// Content conversions both directions share: cache_control markers, base64 data URLs, thinking blocks carried on a
// chat message, and tool_use blocks as OpenAI tool calls.
import { isRecord } from '../../lib/is-record.ts';
import type { ChatMessage, ToolCall } from '../../core/llm.ts';
import type { AnthropicCacheControl, AnthropicOtherBlock } from './wire.ts';

/** The `cache_control` marker of a message, part, block or tool, when it carries one. */
export function cacheControlOf(v: Record<string, unknown>): AnthropicCacheControl | undefined {
  return isRecord(v.cache_control) ? (v.cache_control as unknown as AnthropicCacheControl) : undefined;
}

export function withCacheControl<T extends object>(target: T, cacheControl: AnthropicCacheControl | undefined): T {
  return cacheControl ? { ...target, cache_control: cacheControl } : target;
}

/** The text of a string or a list of blocks/parts: both APIs spell text as `{type: 'text', text}`. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (isRecord(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('');
}

/** Anthropic thinking blocks kept on an assistant message (their signatures must round-trip unchanged). */
export function thinkingBlocksOf(message: ChatMessage): AnthropicOtherBlock[] {
  const blocks: AnthropicOtherBlock[] = [];
  if (Array.isArray(message.thinking_blocks)) for (const t of message.thinking_blocks) if (isRecord(t) && typeof t.type === 'string') blocks.push(t as AnthropicOtherBlock);
  return blocks;
}

/** A tool_use block → an OpenAI tool call (its input serialized as the arguments). */
export function toolCallFromToolUse(block: Record<string, unknown>): ToolCall {
  return { id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } };
}
