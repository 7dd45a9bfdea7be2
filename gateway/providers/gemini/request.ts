// Canonical OpenAI chat request → Gemini generateContent request: system/developer messages → systemInstruction,
// turns → contents (user/model) of parts, tools → functionDeclarations, sampling params → generationConfig.
import { isRecord } from '../../../lib/is-record.ts';
import { parseDataUrl } from '../shared/data-url.ts';
import { UpstreamError } from '../types.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../../core/llm.ts';
import { toGeminiSchema } from './schema.ts';
import { signatureFromToolCallId } from './tool-ids.ts';
import type { GeminiContent, GeminiFunctionCallingMode, GeminiFunctionDeclaration, GeminiGenerationConfig, GeminiPart, GeminiRequest, GeminiTool, GeminiToolConfig } from './wire.ts';

type Json = Record<string, unknown>;

function invalid(message: string, param: string): UpstreamError {
  return new UpstreamError(400, message, { type: 'invalid_request_error', code: `unsupported_${param}` });
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif',
  pdf: 'application/pdf', txt: 'text/plain', mp3: 'audio/mpeg', wav: 'audio/wav', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm',
};

/** fileData needs a MIME type on Vertex; guessed from the URL's extension, `fallback` otherwise. */
function mimeOfUrl(url: string, fallback: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return (ext && MIME_BY_EXTENSION[ext]) || fallback;
}

/** A data URL → inlineData; any other URL (https, gs://, a Files API uri) → fileData. */
function mediaPart(url: string, fallbackMime: string): GeminiPart {
  const data = parseDataUrl(url);
  if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
  return { fileData: { mimeType: mimeOfUrl(url, fallbackMime), fileUri: url } };
}

function contentPart(part: ContentPart): GeminiPart | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { text: part.text } : undefined;
    case 'image_url': {
      const iu = part.image_url;
      const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
      if (!url) throw invalid('image_url part without a url', 'image_url');
      return mediaPart(url, 'image/jpeg');
    }
    case 'input_audio': {
      const audio = isRecord(part.input_audio) ? part.input_audio : {};
      if (typeof audio.data !== 'string') throw invalid('input_audio part without data', 'input_audio');
      return { inlineData: { mimeType: `audio/${typeof audio.format === 'string' ? audio.format : 'wav'}`, data: audio.data } };
    }
    case 'file': {
      const file = isRecord(part.file) ? part.file : {};
      const mime = typeof file.format === 'string' ? file.format : 'application/pdf';
      if (typeof file.file_data === 'string') return mediaPart(file.file_data, mime);
      if (typeof file.file_id === 'string') return { fileData: { mimeType: mime, fileUri: file.file_id } };
      throw invalid('file part needs file_data or file_id', 'file');
    }
    default:
      throw invalid(`content part type "${part.type}" is not supported by Gemini models`, 'content');
  }
}

function contentParts(content: ChatMessage['content']): GeminiPart[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  if (!Array.isArray(content)) return [];
  const parts: GeminiPart[] = [];
  for (const p of content) {
    const part = isRecord(p) ? contentPart(p) : undefined;
    if (part) parts.push(part);
  }
  return parts;
}

function parseArguments(args: string): Json {
  if (!args.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    // Never quoted back: the arguments are the client's text.
    throw invalid('tool call arguments are not valid JSON', 'tool_calls');
  }
  return isRecord(parsed) ? parsed : { value: parsed };
}

function functionCallPart(call: ToolCall): GeminiPart {
  const part: GeminiPart = { functionCall: { name: call.function.name, args: parseArguments(call.function.arguments ?? '') } };
  // Thinking models want the signature they attached to a call back with it (it rides in the tool call id).
  const signature = signatureFromToolCallId(call.id);
  if (signature) part.thoughtSignature = signature;
  return part;
}

/** A tool result → the `response` object Google wants: a JSON object as-is, anything else under `output`. */
function functionResponseBody(content: ChatMessage['content']): Json {
  const text = typeof content === 'string' ? content : contentParts(content).map((p) => p.text ?? '').join('');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // plain text
  }
  return { output: text };
}

function pushTurn(out: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const prev = out[out.length - 1];
  if (prev && prev.role === role) prev.parts.push(...parts);
  else out.push({ role, parts });
}

export function convertMessages(messages: ChatMessage[]): { systemInstruction?: GeminiContent; contents: GeminiContent[] } {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  for (const m of messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...contentParts(m.content));
        break;
      case 'user':
        pushTurn(contents, 'user', contentParts(m.content));
        break;
      case 'assistant': {
        const parts = contentParts(m.content);
        for (const call of m.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          parts.push(functionCallPart(call));
        }
        pushTurn(contents, 'model', parts);
        break;
      }
      case 'tool':
      case 'function': {
        const name = (m.tool_call_id !== undefined ? toolNames.get(m.tool_call_id) : undefined) ?? (typeof m.name === 'string' ? m.name : undefined);
        if (!name) throw invalid(`tool message "${m.tool_call_id ?? ''}" answers no earlier tool call`, 'tool_call_id');
        pushTurn(contents, 'user', [{ functionResponse: { name, response: functionResponseBody(m.content) } }]);
        break;
      }
      default:
        break;
    }
  }
  // Google rejects a request without contents: a system-only prompt is sent as the user turn.
  if (contents.length === 0 && system.length) return { contents: [{ role: 'user', parts: system }] };
  return system.length ? { systemInstruction: { parts: system }, contents } : { contents };
}

function functionDeclaration(tool: Json): GeminiFunctionDeclaration {
  const fn = isRecord(tool.function) ? tool.function : {};
  if (typeof fn.name !== 'string' || !fn.name) throw invalid('function tool without a name', 'tools');
  const decl: GeminiFunctionDeclaration = { name: fn.name };
  if (typeof fn.description === 'string' && fn.description) decl.description = fn.description;
  const params = toGeminiSchema(fn.parameters);
  // An object without properties is rejected as parameters; a function without arguments simply has none.
  if (isRecord(params.properties) || (params.type !== undefined && params.type !== 'OBJECT')) decl.parameters = params;
  return decl;
}

/** OpenAI tools → one Gemini tool of function declarations; Gemini-native tools (`{googleSearch: {}}`, …) pass through. */
export function convertTools(tools: unknown[]): GeminiTool[] {
  const declarations: GeminiFunctionDeclaration[] = [];
  const native: GeminiTool[] = [];
  for (const t of tools) {
    if (!isRecord(t)) continue;
    if (t.type === 'function') declarations.push(functionDeclaration(t));
    else if (t.type === undefined) native.push(t);
    else throw invalid(`tool type "${String(t.type)}" is not supported by Gemini models`, 'tools');
  }
  return declarations.length ? [{ functionDeclarations: declarations }, ...native] : native;
}

function calling(mode: GeminiFunctionCallingMode, names?: string[]): GeminiToolConfig {
  return { functionCallingConfig: names?.length ? { mode, allowedFunctionNames: names } : { mode } };
}

/** tool_choice → toolConfig: auto/none/required, one named function, or OpenAI's allowed_tools list. */
export function convertToolChoice(choice: unknown): GeminiToolConfig | undefined {
  if (choice === 'auto') return calling('AUTO');
  if (choice === 'none') return calling('NONE');
  if (choice === 'required') return calling('ANY');
  if (!isRecord(choice)) return undefined;
  if (choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') return calling('ANY', [choice.function.name]);
  if (choice.type === 'allowed_tools' && isRecord(choice.allowed_tools)) {
    const allowed = choice.allowed_tools;
    const names = (Array.isArray(allowed.tools) ? allowed.tools : []).flatMap((t) => (isRecord(t) && isRecord(t.function) && typeof t.function.name === 'string' ? [t.function.name] : []));
    return calling(allowed.mode === 'required' ? 'ANY' : 'AUTO', names);
  }
  return undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** reasoning_effort → thinking budget (tokens); `none` turns thinking off where the model allows it. */
export const THINKING_BUDGETS: Record<string, number> = { none: 0, minimal: 128, low: 1024, medium: 2048, high: 4096 };

function thinkingConfig(req: ChatRequest): GeminiGenerationConfig['thinkingConfig'] {
  const thinking = req.thinking;
  if (isRecord(thinking)) {
    if (thinking.type === 'disabled') return { thinkingBudget: 0 };
    if (thinking.type === 'enabled') return { includeThoughts: true, ...(num(thinking.budget_tokens) !== undefined ? { thinkingBudget: num(thinking.budget_tokens) } : {}) };
    if (thinking.type === 'adaptive') return { includeThoughts: true };
  }
  const effort = typeof req.reasoning_effort === 'string' ? THINKING_BUDGETS[req.reasoning_effort] : undefined;
  if (effort === undefined) return undefined;
  return effort === 0 ? { thinkingBudget: 0 } : { includeThoughts: true, thinkingBudget: effort };
}

function responseFormat(format: unknown, config: GeminiGenerationConfig): void {
  if (!isRecord(format)) return;
  if (format.type === 'json_object') config.responseMimeType = 'application/json';
  else if (format.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const spec = isRecord(format.json_schema) ? format.json_schema : {};
    if (isRecord(spec.schema)) config.responseSchema = toGeminiSchema(spec.schema);
  }
}

export function generationConfig(req: ChatRequest): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  const maxTokens = num(req.max_completion_tokens) ?? num(req.max_tokens);
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (num(req.temperature) !== undefined) config.temperature = num(req.temperature);
  if (num(req.top_p) !== undefined) config.topP = num(req.top_p);
  if (num(req.top_k) !== undefined) config.topK = num(req.top_k);
  if (num(req.n) !== undefined) config.candidateCount = num(req.n);
  if (num(req.seed) !== undefined) config.seed = num(req.seed);
  if (num(req.presence_penalty) !== undefined) config.presencePenalty = num(req.presence_penalty);
  if (num(req.frequency_penalty) !== undefined) config.frequencyPenalty = num(req.frequency_penalty);
  const stop = (typeof req.stop === 'string' ? [req.stop] : Array.isArray(req.stop) ? req.stop : []).filter((s) => typeof s === 'string' && s !== '');
  if (stop.length) config.stopSequences = stop;
  responseFormat(req.response_format, config);
  const thinking = thinkingConfig(req);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length ? config : undefined;
}

/** The whole request body (the model travels in the URL). */
export function toGeminiRequest(req: ChatRequest): GeminiRequest {
  const { systemInstruction, contents } = convertMessages(req.messages);
  const body: GeminiRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  const tools = Array.isArray(req.tools) && req.tools.length ? convertTools(req.tools) : [];
  if (tools.length) {
    body.tools = tools;
    const choice = convertToolChoice(req.tool_choice);
    if (choice) body.toolConfig = choice;
  }
  const config = generationConfig(req);
  if (config) body.generationConfig = config;
  // Google-specific fields a client may send on purpose.
  if (Array.isArray(req.safety_settings)) body.safetySettings = req.safety_settings;
  if (typeof req.cached_content === 'string') body.cachedContent = req.cached_content;
  return body;
}
