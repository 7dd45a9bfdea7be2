// /v1/messages in: an Anthropic Messages request from a client → the canonical (OpenAI chat) request, so any
// deployment can serve it. The answer goes back through client-response.ts / client-stream.ts.
import { isRecord } from '../../lib/is-record.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../core/llm.ts';
import { cacheControlOf, textOf, toolCallFromToolUse, withCacheControl } from './blocks.ts';
import { dataUrl } from '../providers/shared/data-url.ts';
import type { AnthropicContentBlockParam, AnthropicMessageParam, AnthropicMessagesRequest, AnthropicOtherBlock, AnthropicTextBlock } from './wire.ts';

type Json = Record<string, unknown>;
type Block = AnthropicContentBlockParam | AnthropicOtherBlock;

/** `target` with the cache_control marker of `source` (an Anthropic block or tool), if it has one. */
const withCache = <T extends object>(target: T, source: Json): T => withCacheControl(target, cacheControlOf(source));

/** An Anthropic image/document/text block → an OpenAI content part. */
function blockToPart(block: Block): ContentPart {
  const b = block as Json;
  switch (block.type) {
    case 'text':
      return withCache({ type: 'text', text: String(b.text ?? '') }, b);
    case 'image': {
      const src = isRecord(b.source) ? b.source : {};
      if (src.type === 'base64') return withCache({ type: 'image_url', image_url: { url: dataUrl(src.media_type, src.data) } }, b);
      if (src.type === 'url') return withCache({ type: 'image_url', image_url: { url: String(src.url) } }, b);
      return { ...b, type: 'image' };
    }
    case 'document': {
      const src = isRecord(b.source) ? b.source : {};
      if (src.type === 'base64') {
        const filename = typeof b.title === 'string' && b.title ? b.title : 'document.pdf';
        return withCache({ type: 'file', file: { file_data: dataUrl(src.media_type, src.data), filename } }, b);
      }
      if (src.type === 'text') return withCache({ type: 'text', text: String(src.data ?? '') }, b);
      return { ...b, type: 'document' };
    }
    default:
      return { ...b, type: block.type };
  }
}

/** A plain-text part list collapses to a string (what OpenAI-style servers handle best). */
function partsOrString(parts: ContentPart[]): string | ContentPart[] {
  if (parts.every((p) => p.type === 'text' && !('cache_control' in p))) return parts.map((p) => p.text ?? '').join('');
  return parts;
}

function convertUser(m: AnthropicMessageParam, out: ChatMessage[]): void {
  if (typeof m.content === 'string') {
    out.push({ role: 'user', content: m.content });
    return;
  }
  const parts: ContentPart[] = [];
  // tool_result blocks become `tool` messages, which must directly follow the assistant's tool_calls.
  for (const block of m.content) {
    if (block.type !== 'tool_result') {
      parts.push(blockToPart(block));
      continue;
    }
    const b = block as Json;
    const content = b.content;
    const toolMsg: ChatMessage = { role: 'tool', tool_call_id: String(b.tool_use_id), content: '' };
    if (Array.isArray(content)) {
      const blocks = content.filter(isRecord) as Block[];
      const text = blocks.filter((c) => c.type === 'text');
      toolMsg.content = text.some((c) => 'cache_control' in c) ? text.map(blockToPart) : textOf(text);
      // Images in tool results have no place in an OpenAI tool message: they follow in the user turn.
      for (const c of blocks) if (c.type !== 'text') parts.push(blockToPart(c));
    } else if (typeof content === 'string') {
      toolMsg.content = content;
    }
    if (b.is_error === true) toolMsg.content = `Error: ${typeof toolMsg.content === 'string' ? toolMsg.content : textOf(toolMsg.content)}`;
    const cacheControl = cacheControlOf(b);
    if (cacheControl) toolMsg.cache_control = cacheControl;
    out.push(toolMsg);
  }
  if (parts.length) out.push({ role: 'user', content: partsOrString(parts) });
}

function convertAssistant(m: AnthropicMessageParam, out: ChatMessage[]): void {
  if (typeof m.content === 'string') {
    out.push({ role: 'assistant', content: m.content });
    return;
  }
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  const thinking: Json[] = [];
  for (const block of m.content) {
    const b = block as Json;
    if (block.type === 'text') parts.push(blockToPart(block));
    else if (block.type === 'tool_use') toolCalls.push(toolCallFromToolUse(b));
    else if (block.type === 'thinking' || block.type === 'redacted_thinking') thinking.push({ ...b });
  }
  const msg: ChatMessage = { role: 'assistant', content: parts.length ? partsOrString(parts) : toolCalls.length ? null : '' };
  if (toolCalls.length) msg.tool_calls = toolCalls;
  // Kept for an Anthropic deployment (signatures must round-trip); OpenAI-style adapters drop it.
  if (thinking.length) msg.thinking_blocks = thinking;
  out.push(msg);
}

function convertSystem(system: AnthropicMessagesRequest['system']): ChatMessage | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system ? { role: 'system', content: system } : undefined;
  const parts = system.map((b) => blockToPart(b));
  return parts.length ? { role: 'system', content: partsOrString(parts) } : undefined;
}

function convertTools(tools: NonNullable<AnthropicMessagesRequest['tools']>): unknown[] {
  return tools.map((t) => {
    const tool = t as Json;
    const isCustom = tool.type === undefined || tool.type === 'custom' || isRecord(tool.input_schema);
    if (!isCustom) return { ...tool }; // Anthropic server tool (web_search, …): only an Anthropic deployment understands it
    const fn: Json = { name: tool.name, parameters: isRecord(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} } };
    if (typeof tool.description === 'string') fn.description = tool.description;
    return withCache({ type: 'function', function: fn }, tool);
  });
}

function convertToolChoice(choice: AnthropicMessagesRequest['tool_choice']): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (!choice) return {};
  const parallel = 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
    default:
      return {};
  }
}

/**
 * Anthropic Messages request → canonical OpenAI chat request. Dropped (no OpenAI equivalent): top_k, thinking,
 * service_tier and container/MCP options; server tools are passed through as-is.
 */
export function anthropicRequestToOpenAI(body: AnthropicMessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const sys = convertSystem(body.system);
  if (sys) messages.push(sys);
  for (const m of body.messages) {
    if (m.role === 'user') convertUser(m, messages);
    else if (m.role === 'assistant') convertAssistant(m, messages);
    else if (m.role === 'system') {
      const s = convertSystem(typeof m.content === 'string' ? m.content : (m.content.filter((b) => b.type === 'text') as AnthropicTextBlock[]));
      if (s) messages.push(s);
    }
  }
  const req: ChatRequest = { model: body.model, messages };
  if (typeof body.max_tokens === 'number') req.max_tokens = body.max_tokens;
  if (typeof body.temperature === 'number') req.temperature = body.temperature;
  if (typeof body.top_p === 'number') req.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) req.stop = body.stop_sequences;
  if (Array.isArray(body.tools) && body.tools.length) {
    req.tools = convertTools(body.tools);
    Object.assign(req, convertToolChoice(body.tool_choice));
  }
  const user = body.metadata?.user_id;
  if (typeof user === 'string' && user) req.user = user;
  if (body.stream === true) {
    req.stream = true;
    req.stream_options = { include_usage: true };
  }
  return req;
}
