// OpenAI Responses request bodies: `instructions`, `input` (a string, or items: message content as a string or
// parts, function_call `arguments` (JSON: values and keys), function_call_output / custom tool `output` and custom
// tool `input`), function tool descriptions and the string values of their parameter schemas, and the
// `text.format` JSON schema likewise. Left alone: ids, tool names, reasoning items (signed or encrypted by the
// provider) and `metadata`, which the model never reads.
import { type FieldRewriter, type Obj, type Where } from './field-rewriter.ts';
import { walkOpenAIContent } from './walk-openai.ts';
import { isRecord } from '../../lib/is-record.ts';

function walkItem(rw: FieldRewriter, item: unknown, i: number): unknown {
  if (!isRecord(item)) return item;
  const role = typeof item.role === 'string' ? item.role : undefined;
  const where = (field: string): Where => ({ path: `input[${i}].${field}`, messageIndex: i, role });
  const out: Obj = { ...item };
  switch (item.type ?? 'message') {
    case 'message':
      if ('content' in item) out.content = walkOpenAIContent(rw, item.content, where('content'));
      return out;
    case 'function_call':
      if (typeof item.arguments === 'string') out.arguments = rw.jsonText(item.arguments, where('arguments'));
      return out;
    case 'custom_tool_call':
      if (typeof item.input === 'string') out.input = rw.text(item.input, where('input'));
      return out;
    case 'function_call_output':
    case 'custom_tool_call_output':
      if ('output' in item) out.output = walkOpenAIContent(rw, item.output, where('output'));
      return out;
    default:
      return item;
  }
}

/** A definition's description and the string values of its schema (property names are the contract: kept). */
function walkDefinition(rw: FieldRewriter, def: Obj, path: string, schemaField: string): Obj {
  const out: Obj = { ...def };
  if (typeof def.description === 'string') out.description = rw.text(def.description, { path: `${path}.description` });
  if (isRecord(def[schemaField])) out[schemaField] = rw.json(def[schemaField], { path: `${path}.${schemaField}` }, 'keep-keys');
  return out;
}

export function walkResponses(rw: FieldRewriter, body: Obj): Obj {
  const out: Obj = { ...body };
  if (typeof body.instructions === 'string') out.instructions = rw.text(body.instructions, { path: 'instructions', role: 'system' });
  if (typeof body.input === 'string') out.input = rw.text(body.input, { path: 'input', messageIndex: 0, role: 'user' });
  else if (Array.isArray(body.input)) out.input = body.input.map((item: unknown, i) => walkItem(rw, item, i));
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.map((tool: unknown, i) => (isRecord(tool) && (tool.type === 'function' || tool.type === 'custom') ? walkDefinition(rw, tool, `tools[${i}]`, 'parameters') : tool));
  }
  const text = body.text;
  if (isRecord(text) && isRecord(text.format) && text.format.type === 'json_schema') {
    out.text = { ...text, format: walkDefinition(rw, text.format, 'text.format', 'schema') };
  }
  return out;
}
