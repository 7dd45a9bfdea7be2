// Upstream out: the canonical (OpenAI chat) request → a Bedrock Converse request. System/developer → `system`;
// parts → content blocks (data-URL images and documents as base64 bytes); assistant tool_calls → toolUse; tool
// messages → toolResult in a user turn; consecutive same-role turns merged (Bedrock requires alternation).
// Parameters: inferenceConfig, toolConfig, and the Converse fields a client may set itself; the rest is dropped.
import { isRecord } from '../../../lib/is-record.ts';
import { UpstreamError } from '../types.ts';
import { parseDataUrl } from '../shared/data-url.ts';
import type { ChatMessage, ChatRequest, ContentPart } from '../../../core/llm.ts';
import type {
  ConverseContentBlock,
  ConverseDocumentBlock,
  ConverseImageBlock,
  ConverseMessage,
  ConverseRequest,
  ConverseSystemBlock,
  ConverseTool,
  ConverseToolChoice,
  ConverseToolResultContent,
} from './wire.ts';

/** Name of the forced tool that emulates `response_format` (json_schema / json_object), as LiteLLM does. */
export const JSON_TOOL_NAME = 'json_tool_call';

export interface ConversePlan {
  body: ConverseRequest;
  /** Set when response_format was emulated with a forced tool: its input becomes the message text. */
  jsonTool?: string;
}

/** Converse fields a client that knows Bedrock may send as-is (additionalModelRequestFields is merged below). */
const PASSTHROUGH_FIELDS = ['guardrailConfig', 'additionalModelResponseFieldPaths', 'promptVariables', 'requestMetadata', 'performanceConfig'] as const;

const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

function invalid(message: string, param = 'parameter'): UpstreamError {
  return new UpstreamError(400, message, { type: 'invalid_request_error', code: `unsupported_${param}` });
}

const IMAGE_FORMATS: Record<string, ConverseImageBlock['format']> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

const DOCUMENT_FORMATS: Record<string, ConverseDocumentBlock['format']> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/** Bedrock document names allow letters, digits, single spaces, hyphens, parentheses and square brackets. */
function documentName(raw: unknown, fallback: string): string {
  const name = typeof raw === 'string' ? raw.replace(/\.[A-Za-z0-9]+$/, '').replace(/[^A-Za-z0-9\-()[\] ]+/g, '-').replace(/\s+/g, ' ').trim() : '';
  return name || fallback;
}

/** An image/file URL (base64 data URL or s3://) → an image or document block. */
function mediaBlock(url: string, filename: unknown, index: number): ConverseContentBlock {
  if (url.startsWith('s3://')) {
    const ext = /\.([A-Za-z0-9]+)(?:\?|$)/.exec(url)?.[1]?.toLowerCase() ?? '';
    const image = IMAGE_FORMATS[`image/${ext}`];
    if (image) return { image: { format: image, source: { s3Location: { uri: url } } } };
    const doc = Object.values(DOCUMENT_FORMATS).find((f) => f === ext);
    if (doc) return { document: { format: doc, name: documentName(filename ?? url.split('/').pop(), `document-${index}`), source: { s3Location: { uri: url } } } };
    throw invalid(`cannot tell the format of "${url}"`, 'image_url');
  }
  const data = parseDataUrl(url);
  if (!data) throw invalid('Bedrock takes images and files as base64 data URLs or s3:// URIs', 'image_url');
  const mediaType = data.mediaType.toLowerCase();
  const image = IMAGE_FORMATS[mediaType];
  if (image) return { image: { format: image, source: { bytes: data.data } } };
  const doc = DOCUMENT_FORMATS[mediaType];
  if (doc) return { document: { format: doc, name: documentName(filename, `document-${index}`), source: { bytes: data.data } } };
  throw invalid(`Bedrock does not accept "${data.mediaType}" content`, 'image_url');
}

function partToBlocks(part: ContentPart, index: number): ConverseContentBlock[] {
  const blocks: ConverseContentBlock[] = [];
  switch (part.type) {
    case 'text':
      if (part.text?.trim()) blocks.push({ text: part.text });
      break;
    case 'image_url': {
      const iu = part.image_url;
      const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
      if (!url) throw invalid('image_url part without a url', 'image_url');
      blocks.push(mediaBlock(url, undefined, index));
      break;
    }
    case 'file': {
      const file = isRecord(part.file) ? part.file : {};
      if (typeof file.file_data !== 'string') throw invalid('Bedrock needs file parts with file_data', 'file');
      blocks.push(mediaBlock(file.file_data, file.filename, index));
      break;
    }
    default:
      throw invalid(`content part type "${part.type}" is not supported by Bedrock`, 'content');
  }
  // Anthropic-style cache_control marks the end of a cacheable prefix: Bedrock spells it as a cachePoint block.
  if (blocks.length && isRecord(part.cache_control)) blocks.push({ ...CACHE_POINT });
  return blocks;
}

function contentToBlocks(content: ChatMessage['content']): ConverseContentBlock[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content.trim() ? [{ text: content }] : [];
  return content.flatMap((part, i) => partToBlocks(part, i));
}

function parseArguments(args: string | undefined): unknown {
  if (!args?.trim()) return {};
  try {
    return JSON.parse(args);
  } catch {
    // Never quoted back: the arguments are the client's text (they can hold anything, PII included).
    throw invalid('tool call arguments are not valid JSON', 'tool_calls');
  }
}

/** A tool message's content → toolResult content: a JSON object stays structured, anything else is text. */
function toolResultContent(content: ChatMessage['content']): ConverseToolResultContent[] {
  if (typeof content === 'string') {
    const trimmed = content.trim();
    if (trimmed.startsWith('{')) {
      try {
        const json: unknown = JSON.parse(trimmed);
        if (isRecord(json)) return [{ json }];
      } catch {
        // not JSON: sent as text
      }
    }
    return [{ text: content.trim() ? content : '(empty)' }];
  }
  const blocks: ConverseToolResultContent[] = [];
  for (const b of contentToBlocks(content)) {
    if (b.text !== undefined) blocks.push({ text: b.text });
    else if (b.image) blocks.push({ image: b.image });
    else if (b.document) blocks.push({ document: b.document });
  }
  return blocks.length ? blocks : [{ text: '(empty)' }];
}

/** Anthropic thinking blocks carried on an assistant message → reasoningContent (signatures round-trip unchanged). */
function reasoningBlocks(m: ChatMessage): ConverseContentBlock[] {
  if (!Array.isArray(m.thinking_blocks)) return [];
  const out: ConverseContentBlock[] = [];
  for (const t of m.thinking_blocks) {
    if (!isRecord(t)) continue;
    if (t.type === 'thinking' && typeof t.thinking === 'string') {
      out.push({ reasoningContent: { reasoningText: typeof t.signature === 'string' ? { text: t.thinking, signature: t.signature } : { text: t.thinking } } });
    } else if (t.type === 'redacted_thinking' && typeof t.data === 'string') out.push({ reasoningContent: { redactedContent: t.data } });
  }
  return out;
}

function pushTurn(out: ConverseMessage[], role: ConverseMessage['role'], blocks: ConverseContentBlock[]): void {
  if (blocks.length === 0) return;
  const prev = out[out.length - 1];
  if (prev && prev.role === role) prev.content.push(...blocks);
  else out.push({ role, content: blocks });
}

export function convertMessages(messages: ChatMessage[]): { system: ConverseSystemBlock[]; messages: ConverseMessage[] } {
  const system: ConverseSystemBlock[] = [];
  const out: ConverseMessage[] = [];
  for (const m of messages) {
    const cachePoint = isRecord(m.cache_control) ? [{ ...CACHE_POINT }] : [];
    switch (m.role) {
      case 'system':
      case 'developer':
        for (const b of contentToBlocks(m.content)) {
          if (b.text !== undefined) system.push({ text: b.text });
          else if (b.cachePoint) system.push({ ...CACHE_POINT });
        }
        system.push(...cachePoint);
        break;
      case 'user':
        pushTurn(out, 'user', [...contentToBlocks(m.content), ...cachePoint]);
        break;
      case 'assistant': {
        const blocks = [...reasoningBlocks(m), ...contentToBlocks(m.content)];
        for (const call of m.tool_calls ?? []) blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(call.function.arguments) } });
        const fc = m.function_call;
        if (isRecord(fc) && typeof fc.name === 'string') blocks.push({ toolUse: { toolUseId: fc.name, name: fc.name, input: parseArguments(typeof fc.arguments === 'string' ? fc.arguments : undefined) } });
        pushTurn(out, 'assistant', [...blocks, ...(blocks.length ? cachePoint : [])]);
        break;
      }
      case 'tool':
      case 'function': {
        const id = m.role === 'tool' ? m.tool_call_id : m.name;
        if (!id) throw invalid(`a ${m.role} message needs ${m.role === 'tool' ? 'tool_call_id' : 'name'}`, 'messages');
        pushTurn(out, 'user', [{ toolResult: { toolUseId: id, content: toolResultContent(m.content), status: 'success' } }, ...cachePoint]);
        break;
      }
      default:
        throw invalid(`unsupported message role "${String(m.role)}"`, 'messages');
    }
  }
  return { system, messages: out };
}

export function convertTools(tools: unknown[]): ConverseTool[] {
  return tools.flatMap((t): ConverseTool[] => {
    if (!isRecord(t) || t.type !== 'function' || !isRecord(t.function)) throw invalid('Bedrock supports function tools only', 'tools');
    const fn = t.function;
    if (typeof fn.name !== 'string' || !fn.name) throw invalid('function tool without a name', 'tools');
    const spec = { name: fn.name, inputSchema: { json: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } } };
    const tool: ConverseTool = { toolSpec: typeof fn.description === 'string' && fn.description ? { ...spec, description: fn.description } : spec };
    return isRecord(t.cache_control) ? [tool, { ...CACHE_POINT }] : [tool];
  });
}

/** OpenAI tool_choice → Converse toolChoice; null for "none" (Converse cannot forbid tools; they are dropped instead). */
export function convertToolChoice(choice: unknown): ConverseToolChoice | null | undefined {
  if (choice === undefined || choice === null || choice === 'auto') return choice === 'auto' ? { auto: {} } : undefined;
  if (choice === 'none') return null;
  if (choice === 'required' || choice === 'any') return { any: {} };
  if (isRecord(choice)) {
    const fn = isRecord(choice.function) ? choice.function : choice;
    if (typeof fn.name === 'string') return { tool: { name: fn.name } };
  }
  throw invalid('unsupported tool_choice', 'tool_choice');
}

function stopSequences(stop: ChatRequest['stop']): string[] | undefined {
  if (typeof stop === 'string') return stop ? [stop] : undefined;
  if (Array.isArray(stop)) return stop.length ? stop : undefined;
  return undefined;
}

/** response_format json_schema/json_object → the schema of a forced tool (undefined: plain text wanted). */
function jsonSchemaOf(format: unknown): Record<string, unknown> | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { type: 'object' };
  if (format.type === 'json_schema' && isRecord(format.json_schema)) return isRecord(format.json_schema.schema) ? format.json_schema.schema : { type: 'object' };
  return undefined;
}

const hasToolBlocks = (messages: ConverseMessage[]) => messages.some((m) => m.content.some((b) => b.toolUse || b.toolResult));

export function toConverseRequest(req: ChatRequest): ConversePlan {
  const { system, messages } = convertMessages(req.messages);
  const body: ConverseRequest = { messages };
  if (system.length) body.system = system;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (typeof maxTokens === 'number') inference.maxTokens = maxTokens;
  if (typeof req.temperature === 'number') inference.temperature = req.temperature;
  if (typeof req.top_p === 'number') inference.topP = req.top_p;
  const stops = stopSequences(req.stop);
  if (stops) inference.stopSequences = stops;
  if (Object.keys(inference).length) body.inferenceConfig = inference;

  const plan: ConversePlan = { body };
  let tools = Array.isArray(req.tools) && req.tools.length ? convertTools(req.tools) : [];
  let toolChoice = convertToolChoice(req.tool_choice);
  const schema = jsonSchemaOf(req.response_format);
  if (schema) {
    tools = [...tools, { toolSpec: { name: JSON_TOOL_NAME, description: 'Answer with JSON matching this schema.', inputSchema: { json: schema } } }];
    toolChoice = { tool: { name: JSON_TOOL_NAME } };
    plan.jsonTool = JSON_TOOL_NAME;
  }
  // Converse rejects toolUse/toolResult blocks without a toolConfig, so "none" keeps the tools when history has them.
  if (tools.length && (toolChoice !== null || hasToolBlocks(messages))) {
    body.toolConfig = toolChoice ? { tools, toolChoice } : { tools };
  }

  const extra: Record<string, unknown> = isRecord(req.additionalModelRequestFields) ? { ...req.additionalModelRequestFields } : {};
  if (isRecord(req.thinking)) extra.thinking = req.thinking;
  if (typeof req.top_k === 'number') extra.top_k = req.top_k;
  const passthrough = body as unknown as Record<string, unknown>;
  for (const field of PASSTHROUGH_FIELDS) if (req[field] !== undefined) passthrough[field] = req[field];
  if (Object.keys(extra).length) body.additionalModelRequestFields = extra;
  return plan;
}
