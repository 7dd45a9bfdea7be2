// /v1/responses in: a Responses API request → the canonical (OpenAI chat) request, so any deployment serves it.
// Input items become chat messages (function_call items join the assistant turn as tool_calls, function_call_output
// items become `tool` messages); what has no chat equivalent is refused with a 400 naming the field.
import { isRecord } from '../../lib/is-record.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../core/llm.ts';
import { GatewayError } from '../errors.ts';
import type { Json, ResponsesInputItem, ResponsesRequest } from './wire.ts';

const unsupported = (param: string, what: string) => new GatewayError('invalid_request', `${what} is not supported by this gateway.`, { param });
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Items a client sends back from earlier turns that carry nothing a chat model can take (reasoning is its own). */
const SKIPPED_ITEMS = new Set(['reasoning']);

function partOf(part: Json, param: string): ContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: str(part.text) };
    case 'refusal':
      return { type: 'text', text: str(part.refusal) };
    case 'input_image': {
      if (typeof part.image_url !== 'string' || !part.image_url) throw unsupported(param, 'An input_image without image_url (file_id)');
      const imageUrl: Json = { url: part.image_url };
      if (typeof part.detail === 'string' && part.detail !== 'auto') imageUrl.detail = part.detail;
      return { type: 'image_url', image_url: imageUrl };
    }
    case 'input_file': {
      if (typeof part.file_data !== 'string' || !part.file_data) throw unsupported(param, 'An input_file without file_data (file_id, file_url)');
      return { type: 'file', file: { file_data: part.file_data, filename: str(part.filename) || 'file' } };
    }
    default:
      throw unsupported(`${param}.type`, `Content part type '${String(part.type)}'`);
  }
}

/** A plain-text part list collapses to a string (what every provider handles best). */
function contentOf(content: ResponsesInputItem['content'], param: string): string | ContentPart[] {
  if (typeof content === 'string') return content;
  const parts = (content ?? []).map((p, i) => partOf(p, `${param}[${i}]`));
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text ?? '').join('') : parts;
}

/** The assistant message at the end of `out`, to attach tool calls to (a new one when the last turn is not the assistant's). */
function assistantTurn(out: ChatMessage[]): ChatMessage {
  const last = out[out.length - 1];
  if (last?.role === 'assistant') return last;
  const msg: ChatMessage = { role: 'assistant', content: null };
  out.push(msg);
  return msg;
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return '';
  return output.map((p) => (isRecord(p) ? str(p.text) : '')).join('');
}

function convertItem(item: ResponsesInputItem, param: string, out: ChatMessage[]): void {
  const type = item.type ?? 'message';
  if (type === 'message') {
    const role = item.role ?? 'user';
    const content = contentOf(item.content, `${param}.content`);
    // Developer instructions go to the system role: every provider has one.
    out.push({ role: role === 'developer' ? 'system' : role, content });
    return;
  }
  if (type === 'function_call') {
    const call: ToolCall = { id: str(item.call_id) || str(item.id), type: 'function', function: { name: str(item.name), arguments: str(item.arguments) || '{}' } };
    const turn = assistantTurn(out);
    (turn.tool_calls ??= []).push(call);
    return;
  }
  if (type === 'function_call_output') {
    out.push({ role: 'tool', tool_call_id: str(item.call_id), content: outputText(item.output) });
    return;
  }
  if (SKIPPED_ITEMS.has(type)) return;
  throw unsupported(`${param}.type`, `Input item type '${type}'`);
}

/** Input items (or a string) → chat messages, after the instructions' system message. */
export function inputToMessages(input: ResponsesRequest['input'], instructions: string | null | undefined): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else (input ?? []).forEach((item, i) => convertItem(item, `input[${i}]`, messages));
  return messages;
}

function convertTools(tools: Json[]): unknown[] {
  return tools.map((tool, i) => {
    if (tool.type !== 'function') throw unsupported(`tools[${i}].type`, `Tool type '${String(tool.type)}'`);
    const fn: Json = { name: str(tool.name), parameters: isRecord(tool.parameters) ? tool.parameters : { type: 'object', properties: {} } };
    if (typeof tool.description === 'string') fn.description = tool.description;
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    return { type: 'function', function: fn };
  });
}

function convertToolChoice(choice: ResponsesRequest['tool_choice']): unknown {
  if (choice === undefined || typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: str(choice.name) } };
  // allowed_tools narrows the list in the API; a chat model gets its mode over all tools.
  if (choice.type === 'allowed_tools' && typeof choice.mode === 'string') return choice.mode;
  throw unsupported('tool_choice.type', `tool_choice type '${String(choice.type)}'`);
}

function convertFormat(format: NonNullable<ResponsesRequest['text']>['format']): unknown {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (!format.name || !isRecord(format.schema)) throw new GatewayError('invalid_request', 'text.format of type json_schema needs a name and a schema.', { param: 'text.format' });
  const schema: Json = { name: format.name, schema: format.schema };
  if (typeof format.description === 'string') schema.description = format.description;
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}

/** Request fields that ask for something only OpenAI's own service does (server-side state, background runs, …). */
const REFUSED_FIELDS: Array<[string, string]> = [
  ['background', 'Background responses'],
  ['conversation', 'Conversations'],
  ['prompt', 'Prompt templates'],
];

/** Responses request (with `previous_response_id` already expanded into `input`) → canonical chat request. */
export function responsesRequestToChat(body: ResponsesRequest): ChatRequest {
  for (const [field, what] of REFUSED_FIELDS) if (body[field] !== undefined && body[field] !== null && body[field] !== false) throw unsupported(field, what);
  const messages = inputToMessages(body.input, body.instructions);
  if (!messages.some((m) => m.role !== 'system')) throw new GatewayError('invalid_request', 'input is required: a string or a list of input items.', { param: 'input' });
  const req: ChatRequest = { model: body.model, messages };
  if (typeof body.max_output_tokens === 'number') req.max_tokens = body.max_output_tokens;
  if (typeof body.temperature === 'number') req.temperature = body.temperature;
  if (typeof body.top_p === 'number') req.top_p = body.top_p;
  if (Array.isArray(body.tools) && body.tools.length) {
    req.tools = convertTools(body.tools);
    const choice = convertToolChoice(body.tool_choice);
    if (choice !== undefined) req.tool_choice = choice;
    if (typeof body.parallel_tool_calls === 'boolean') req.parallel_tool_calls = body.parallel_tool_calls;
  }
  const format = convertFormat(body.text?.format);
  if (format) req.response_format = format;
  if (typeof body.reasoning?.effort === 'string') req.reasoning_effort = body.reasoning.effort;
  if (typeof body.user === 'string' && body.user) req.user = body.user;
  if (body.stream === true) {
    req.stream = true;
    req.stream_options = { include_usage: true };
  }
  return req;
}
