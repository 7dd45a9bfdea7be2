// OpenAI request bodies: every client string the model reads as text. Scanned: message content (string or parts:
// `text`, `refusal`, a file's `filename`), the participant `name`, an assistant's `refusal`, tool-call and legacy
// function-call arguments (JSON: values and keys), `prediction`, tool and function descriptions and their
// parameter schemas (string values: descriptions, enums, examples — not property names, which are the argument
// contract), the `response_format` schema likewise, and completions' `prompt`/`suffix` and embeddings' `input`.
// Left alone: identifiers the provider validates (tool and function names, ids), signed or provider-owned
// state (`thinking_blocks`, `reasoning_content`, audio ids), and fields the model never reads (`user`,
// `metadata`, `stop`).
import { type FieldRewriter, type Obj, type Where } from './field-rewriter.ts';
import { isRecord } from '../../lib/is-record.ts';

/** `string | parts[]` content: strings, parts with a string `text`, refusal parts, file names. */
export function walkOpenAIContent(rw: FieldRewriter, content: unknown, where: Where): unknown {
  if (typeof content === 'string') return rw.text(content, where);
  if (!Array.isArray(content)) return content;
  return content.map((part: unknown, j) => {
    if (!isRecord(part)) return part;
    const at = (field: string): Where => ({ ...where, path: `${where.path}[${j}].${field}` });
    if (typeof part.text === 'string') return { ...part, text: rw.text(part.text, at('text')) };
    if (typeof part.refusal === 'string') return { ...part, refusal: rw.text(part.refusal, at('refusal')) };
    if (isRecord(part.file) && typeof part.file.filename === 'string') {
      return { ...part, file: { ...part.file, filename: rw.text(part.file.filename, at('file.filename')) } };
    }
    return part;
  });
}

/** One chat message (request `messages[i]` or response `choices[i].message`), under the path `base`. */
export function walkChatMessage(rw: FieldRewriter, m: unknown, base: string, messageIndex?: number): unknown {
  if (!isRecord(m)) return m;
  const role = typeof m.role === 'string' ? m.role : undefined;
  const where = (field: string): Where => ({ path: `${base}.${field}`, messageIndex, role });
  const out: Obj = { ...m };
  if ('content' in m) out.content = walkOpenAIContent(rw, m.content, where('content'));
  if (typeof m.name === 'string') out.name = rw.text(m.name, where('name'));
  if (typeof m.refusal === 'string') out.refusal = rw.text(m.refusal, where('refusal'));
  if (Array.isArray(m.tool_calls)) {
    out.tool_calls = m.tool_calls.map((tc: unknown, k) => {
      if (!isRecord(tc) || !isRecord(tc.function) || typeof tc.function.arguments !== 'string') return tc;
      return { ...tc, function: { ...tc.function, arguments: rw.jsonText(tc.function.arguments, where(`tool_calls[${k}].function.arguments`)) } };
    });
  }
  // Legacy `function_call` (deprecated, still accepted by the API).
  if (isRecord(m.function_call) && typeof m.function_call.arguments === 'string') {
    out.function_call = { ...m.function_call, arguments: rw.jsonText(m.function_call.arguments, where('function_call.arguments')) };
  }
  return out;
}

/** A function definition: its description and the string values of its parameter schema. */
function walkFunctionDefinition(rw: FieldRewriter, fn: Obj, path: string, schemaField: string): Obj {
  const out: Obj = { ...fn };
  if (typeof fn.description === 'string') out.description = rw.text(fn.description, { path: `${path}.description` });
  if (schemaField in fn) out[schemaField] = rw.json(fn[schemaField], { path: `${path}.${schemaField}` }, 'keep-keys');
  return out;
}

function walkTools(rw: FieldRewriter, tools: unknown[]): unknown[] {
  return tools.map((tool: unknown, i) => {
    if (!isRecord(tool)) return tool;
    // `function` tools, and `custom` tools (free-form input) which carry a description only.
    for (const kind of ['function', 'custom'] as const) {
      const def = tool[kind];
      if (isRecord(def)) return { ...tool, [kind]: walkFunctionDefinition(rw, def, `tools[${i}].${kind}`, 'parameters') };
    }
    return tool;
  });
}

export function walkOpenAIChat(rw: FieldRewriter, body: Obj): Obj {
  const out: Obj = { ...body };
  if (Array.isArray(body.messages)) out.messages = body.messages.map((m: unknown, i) => walkChatMessage(rw, m, `messages[${i}]`, i));
  if (Array.isArray(body.tools)) out.tools = walkTools(rw, body.tools);
  if (Array.isArray(body.functions)) {
    out.functions = body.functions.map((fn: unknown, i) => (isRecord(fn) ? walkFunctionDefinition(rw, fn, `functions[${i}]`, 'parameters') : fn));
  }
  const format = body.response_format;
  if (isRecord(format) && isRecord(format.json_schema)) {
    out.response_format = { ...format, json_schema: walkFunctionDefinition(rw, format.json_schema, 'response_format.json_schema', 'schema') };
  }
  // Predicted outputs: text the model reads to speed up its answer.
  if (isRecord(body.prediction) && 'content' in body.prediction) {
    out.prediction = { ...body.prediction, content: walkOpenAIContent(rw, body.prediction.content, { path: 'prediction.content' }) };
  }
  return out;
}

/** `string | string[]` fields (prompt, input); token arrays (number[] / number[][]) pass untouched. */
export function walkStringOrList(rw: FieldRewriter, body: Obj, field: string): Obj {
  const value = body[field];
  const out: Obj = { ...body };
  if (typeof value === 'string') out[field] = rw.text(value, { path: field });
  else if (Array.isArray(value)) out[field] = value.map((v: unknown, i) => (typeof v === 'string' ? rw.text(v, { path: `${field}[${i}]` }) : v));
  return out;
}

export function walkOpenAICompletions(rw: FieldRewriter, body: Obj): Obj {
  const out = walkStringOrList(rw, body, 'prompt');
  if (typeof out.suffix === 'string') out.suffix = rw.text(out.suffix, { path: 'suffix' });
  return out;
}
