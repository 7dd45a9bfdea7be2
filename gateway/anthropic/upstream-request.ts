// Upstream out: the canonical (OpenAI chat) request → the Anthropic Messages request the adapter sends.
// Messages: system/developer → `system`; content parts → blocks; assistant tool_calls → tool_use blocks; tool
// messages → tool_result blocks in a user turn; consecutive same-role turns merged (Anthropic wants alternation).
// Parameters: a declarative map; anything not in it is dropped (Anthropic rejects unknown fields).
import { isRecord } from '../../lib/is-record.ts';
import { UpstreamError } from '../providers/types.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../core/llm.ts';
import { cacheControlOf, thinkingBlocksOf, withCacheControl } from './blocks.ts';
import { parseDataUrl } from '../providers/shared/data-url.ts';
import type {
  AnthropicCacheControl,
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicOtherBlock,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './wire.ts';

/** Anthropic requires max_tokens; used when the request sets none. */
export const DEFAULT_MAX_TOKENS = 4096;
/** Name of the forced tool that emulates `response_format` (json_schema / json_object). */
export const JSON_TOOL_NAME = 'json_tool_call';

export interface AnthropicRequestPlan {
  body: AnthropicMessagesRequest;
  /** Set when response_format was emulated with a forced tool: its input becomes the message text. */
  jsonTool?: string;
}

type Block = AnthropicContentBlockParam | AnthropicOtherBlock;

function invalid(message: string, param?: string): UpstreamError {
  return new UpstreamError(400, message, { type: 'invalid_request_error', code: param ? `unsupported_${param}` : 'unsupported_parameter' });
}

/** An image/file URL → image or document block. */
function mediaBlock(url: string, cacheControl: AnthropicCacheControl | undefined): Block {
  const data = parseDataUrl(url);
  if (data) {
    if (data.mediaType === 'application/pdf') return withCacheControl({ type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.data } }, cacheControl);
    if (data.mediaType.startsWith('text/')) {
      return withCacheControl({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') } }, cacheControl);
    }
    return withCacheControl({ type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } }, cacheControl);
  }
  if (/\.pdf(\?|#|$)/i.test(url)) return withCacheControl({ type: 'document', source: { type: 'url', url } }, cacheControl);
  return withCacheControl({ type: 'image', source: { type: 'url', url } }, cacheControl);
}

/** One OpenAI content part → an Anthropic block (undefined: nothing to send). */
export function partToBlock(part: ContentPart): Block | undefined {
  const cacheControl = cacheControlOf(part);
  switch (part.type) {
    case 'text':
      return part.text ? withCacheControl({ type: 'text', text: part.text }, cacheControl) : undefined;
    case 'image_url': {
      const iu = part.image_url;
      const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
      if (!url) throw invalid('image_url part without a url', 'image_url');
      return mediaBlock(url, cacheControl);
    }
    case 'file': {
      const file = isRecord(part.file) ? part.file : {};
      if (typeof file.file_data === 'string') return mediaBlock(file.file_data, cacheControl);
      if (typeof file.file_id === 'string') return withCacheControl({ type: 'document', source: { type: 'file', file_id: file.file_id } }, cacheControl);
      throw invalid('file part needs file_data or file_id', 'file');
    }
    case 'input_audio':
      throw invalid('audio input is not supported by Anthropic models', 'input_audio');
    default:
      // Anthropic-native blocks (image/document/search_result/…) sent by clients that know the target: pass through.
      return { ...part } as AnthropicOtherBlock;
  }
}

function contentToBlocks(content: ChatMessage['content'], messageCc?: AnthropicCacheControl): Block[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content ? [withCacheControl<AnthropicTextBlock>({ type: 'text', text: content }, messageCc)] : [];
  const blocks: Block[] = [];
  for (const part of content) {
    const block = partToBlock(part);
    if (block) blocks.push(block);
  }
  // A message-level cache_control marks the end of that message: put it on its last block.
  const lastBlock = blocks[blocks.length - 1];
  if (messageCc && lastBlock && !('cache_control' in lastBlock)) blocks[blocks.length - 1] = { ...lastBlock, cache_control: messageCc };
  return blocks;
}

function parseArguments(args: string): unknown {
  if (!args.trim()) return {};
  try {
    return JSON.parse(args);
  } catch {
    // Never quoted back: the arguments are the client's text (they can hold anything, PII included).
    throw invalid('tool call arguments are not valid JSON', 'tool_calls');
  }
}

function toolUseBlock(call: ToolCall): Block {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments ?? '') };
}

function toolResultContent(content: ChatMessage['content']): string | Block[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const blocks = contentToBlocks(content);
  return blocks.length ? blocks : '';
}

/** Pushes a turn, merging it into the previous one when the role repeats. */
function pushTurn(out: AnthropicMessageParam[], role: 'user' | 'assistant', blocks: Block[]): void {
  if (blocks.length === 0) return;
  const prev = out[out.length - 1];
  if (prev && prev.role === role) {
    const prevBlocks: Block[] = typeof prev.content === 'string' ? [{ type: 'text', text: prev.content }] : prev.content;
    prev.content = [...prevBlocks, ...blocks];
    return;
  }
  out.push({ role, content: blocks });
}

/** A single plain text block reads better (and caches the same) as a string. */
function simplify(messages: AnthropicMessageParam[]): AnthropicMessageParam[] {
  return messages.map((m) => {
    const only = Array.isArray(m.content) && m.content.length === 1 ? m.content[0] : undefined;
    if (only && only.type === 'text' && !('cache_control' in only) && typeof only.text === 'string') return { role: m.role, content: only.text };
    return m;
  });
}

export function convertMessages(messages: ChatMessage[]): { system?: string | AnthropicTextBlock[]; messages: AnthropicMessageParam[] } {
  const system: AnthropicTextBlock[] = [];
  const out: AnthropicMessageParam[] = [];
  for (const m of messages) {
    const cacheControl = cacheControlOf(m);
    switch (m.role) {
      case 'system':
      case 'developer':
        for (const b of contentToBlocks(m.content, cacheControl)) if (b.type === 'text') system.push(b as AnthropicTextBlock);
        break;
      case 'user':
        pushTurn(out, 'user', contentToBlocks(m.content, cacheControl));
        break;
      case 'assistant': {
        const blocks: Block[] = thinkingBlocksOf(m);
        blocks.push(...contentToBlocks(m.content, m.tool_calls?.length ? undefined : cacheControl));
        for (const call of m.tool_calls ?? []) blocks.push(toolUseBlock(call));
        const fc = m.function_call;
        if (isRecord(fc) && typeof fc.name === 'string') blocks.push({ type: 'tool_use', id: fc.name, name: fc.name, input: parseArguments(typeof fc.arguments === 'string' ? fc.arguments : '') });
        const lastBlock = blocks[blocks.length - 1];
        if (cacheControl && m.tool_calls?.length && lastBlock) blocks[blocks.length - 1] = { ...lastBlock, cache_control: cacheControl };
        pushTurn(out, 'assistant', blocks);
        break;
      }
      case 'tool':
      case 'function': {
        const id = m.role === 'tool' ? m.tool_call_id : m.name;
        if (!id) throw invalid(`a ${m.role} message needs ${m.role === 'tool' ? 'tool_call_id' : 'name'}`, 'messages');
        pushTurn(out, 'user', [withCacheControl({ type: 'tool_result', tool_use_id: id, content: toolResultContent(m.content) }, cacheControl) as Block]);
        break;
      }
      default:
        throw invalid(`unsupported message role "${String(m.role)}"`, 'messages');
    }
  }
  const result: { system?: string | AnthropicTextBlock[]; messages: AnthropicMessageParam[] } = { messages: simplify(out) };
  if (system.length) result.system = system.some((b) => b.cache_control) ? system : system.map((b) => b.text).join('\n\n');
  return result;
}

/** OpenAI tool definitions → Anthropic tools; non-function tools (Anthropic server tools) pass through. */
export function convertTools(tools: unknown[]): Array<AnthropicTool | AnthropicOtherBlock> {
  return tools.map((t) => {
    if (!isRecord(t)) throw invalid('tools entries must be objects', 'tools');
    if (t.type === 'function' && isRecord(t.function)) {
      const fn = t.function;
      if (typeof fn.name !== 'string') throw invalid('function tool without a name', 'tools');
      const tool: AnthropicTool = { name: fn.name, input_schema: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } };
      if (typeof fn.description === 'string') tool.description = fn.description;
      return withCacheControl(tool, cacheControlOf(t));
    }
    return { ...t } as AnthropicOtherBlock;
  });
}

/** OpenAI tool_choice (+ parallel_tool_calls) → Anthropic tool_choice. */
export function convertToolChoice(choice: unknown, parallel: unknown): AnthropicToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null || choice === 'auto') return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required' || choice === 'any') return { type: 'any', ...disable };
  if (isRecord(choice)) {
    const fn = isRecord(choice.function) ? choice.function : undefined;
    if (fn && typeof fn.name === 'string') return { type: 'tool', name: fn.name, ...disable };
    if (choice.type === 'tool' && typeof choice.name === 'string') return { type: 'tool', name: choice.name, ...disable };
    if (choice.type === 'auto' || choice.type === 'any' || choice.type === 'none') return choice as AnthropicToolChoice;
  }
  throw invalid(`unsupported tool_choice ${JSON.stringify(choice)}`, 'tool_choice');
}

function jsonToolFor(format: unknown): AnthropicTool | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_schema') {
    const js = isRecord(format.json_schema) ? format.json_schema : {};
    const schema = isRecord(js.schema) ? js.schema : { type: 'object' };
    return { name: JSON_TOOL_NAME, description: typeof js.description === 'string' ? js.description : 'Respond with a JSON object that matches the schema.', input_schema: schema };
  }
  if (format.type === 'json_object') return { name: JSON_TOOL_NAME, description: 'Respond with a JSON object.', input_schema: { type: 'object', additionalProperties: true } };
  return undefined;
}

type ParamRule = (value: unknown, out: AnthropicMessagesRequest) => void;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * OpenAI parameter → what it becomes upstream. Keys absent here are dropped (Anthropic has no equivalent:
 * seed, logprobs, penalties, logit_bias, store, reasoning_effort — thinking differs per model generation, so
 * clients that want it send Anthropic's own `thinking` / `output_config`, which pass through). messages/tools/tool_choice/response_format/stream are
 * handled by toAnthropicRequest itself because they interact.
 */
export const PARAM_MAP: Record<string, ParamRule> = {
  max_tokens: (v, out) => {
    const n = num(v);
    if (n !== undefined) out.max_tokens = n;
  },
  max_completion_tokens: (v, out) => {
    const n = num(v);
    if (n !== undefined) out.max_tokens = n; // wins over max_tokens (applied after it)
  },
  // OpenAI allows 0–2, Anthropic 0–1.
  temperature: (v, out) => {
    const n = num(v);
    if (n !== undefined) out.temperature = Math.min(Math.max(n, 0), 1);
  },
  top_p: (v, out) => {
    const n = num(v);
    if (n !== undefined) out.top_p = n;
  },
  top_k: (v, out) => {
    const n = num(v);
    if (n !== undefined) out.top_k = n;
  },
  stop: (v, out) => {
    const list = (typeof v === 'string' ? [v] : Array.isArray(v) ? v : []).filter((s): s is string => typeof s === 'string' && s.trim() !== '');
    if (list.length) out.stop_sequences = list;
  },
  user: (v, out) => {
    if (typeof v === 'string' && v) out.metadata = { ...out.metadata, user_id: v };
  },
  metadata: (v, out) => {
    if (isRecord(v) && typeof v.user_id === 'string') out.metadata = { ...out.metadata, user_id: v.user_id };
  },
  n: (v) => {
    if (typeof v === 'number' && v > 1) throw invalid('n > 1 is not supported by Anthropic models', 'n');
  },
  thinking: (v, out) => {
    if (isRecord(v) && typeof v.type === 'string') out.thinking = v as AnthropicMessagesRequest['thinking'];
  },
  // Anthropic-only passthroughs a client may set on purpose.
  service_tier: (v, out) => {
    if (v === 'auto' || v === 'standard_only') out.service_tier = v;
  },
  output_config: (v, out) => {
    if (isRecord(v)) out.output_config = v;
  },
};

/**
 * API version 2026-10-21 rejects sampling parameters (temperature/top_p/top_k) with a 400, even at defaults;
 * 2023-06-01 (the adapter's default) still accepts them.
 */
export const SAMPLING_PARAMS_REMOVED_IN = '2026-10-21';
const SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'] as const;

/** Order matters for precedence (max_completion_tokens after max_tokens). */
const PARAM_ORDER = Object.keys(PARAM_MAP);

export interface AnthropicRequestOptions {
  /** The `anthropic-version` the request is sent with (decides whether sampling params may be sent). */
  apiVersion?: string;
}

export function toAnthropicRequest(req: ChatRequest, upstreamModel: string, stream: boolean, options: AnthropicRequestOptions = {}): AnthropicRequestPlan {
  const { system, messages } = convertMessages(req.messages);
  const body: AnthropicMessagesRequest = { model: upstreamModel, max_tokens: DEFAULT_MAX_TOKENS, messages };
  if (system !== undefined) body.system = system;
  for (const key of PARAM_ORDER) {
    const value = req[key];
    if (value !== undefined && value !== null) PARAM_MAP[key]!(value, body);
  }
  if (body.thinking?.type === 'enabled' || body.thinking?.type === 'adaptive' || (options.apiVersion ?? '') >= SAMPLING_PARAMS_REMOVED_IN) {
    // Extended thinking does not allow them either.
    for (const key of SAMPLING_PARAMS) delete body[key];
  }
  if (body.thinking?.type === 'enabled') {
    const budget = num(body.thinking.budget_tokens) ?? 0;
    if (body.max_tokens <= budget) body.max_tokens = budget + DEFAULT_MAX_TOKENS; // must exceed the budget
  }

  let jsonTool: string | undefined;
  const tools = Array.isArray(req.tools) && req.tools.length ? convertTools(req.tools) : undefined;
  if (tools) {
    body.tools = tools;
    const choice = convertToolChoice(req.tool_choice, req.parallel_tool_calls);
    if (choice) body.tool_choice = choice;
  } else {
    const forced = jsonToolFor(req.response_format);
    if (forced) {
      body.tools = [forced];
      body.tool_choice = { type: 'tool', name: forced.name };
      jsonTool = forced.name;
    }
  }
  if (stream) body.stream = true;
  return jsonTool ? { body, jsonTool } : { body };
}
