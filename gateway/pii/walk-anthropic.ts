// Anthropic Messages request bodies: `system` (string or text blocks), message content (string or blocks: text,
// `tool_use.input` values and keys, `tool_result` content, text documents with their title and context, search
// results), and tool descriptions with the string values of their input schemas. `thinking` blocks are signed
// by the provider (changing them breaks the conversation) and `metadata` is never read by the model.
import { type FieldRewriter, type Obj, type Where } from './field-rewriter.ts';
import { isRecord } from '../../lib/is-record.ts';

function walkBlock(rw: FieldRewriter, block: unknown, at: Where): unknown {
  if (!isRecord(block)) return block;
  const field = (name: string): Where => ({ ...at, path: `${at.path}.${name}` });
  const out: Obj = { ...block };
  switch (block.type) {
    case 'text':
      if (typeof block.text === 'string') out.text = rw.text(block.text, field('text'));
      return out;
    case 'tool_use':
      out.input = rw.json(block.input, field('input'), 'scan-keys');
      return out;
    case 'tool_result':
      out.content = walkAnthropicBlocks(rw, block.content, field('content'));
      return out;
    case 'document':
    case 'search_result':
      for (const name of ['title', 'context'] as const) if (typeof block[name] === 'string') out[name] = rw.text(block[name], field(name));
      if (block.type === 'search_result') out.content = walkAnthropicBlocks(rw, block.content, field('content'));
      else if (isRecord(block.source)) out.source = walkDocumentSource(rw, block.source, field('source'));
      return out;
    default:
      return block;
  }
}

/** Plain-text documents carry their text in `source.data`, custom-content ones in `source.content` blocks. */
function walkDocumentSource(rw: FieldRewriter, source: Obj, at: Where): Obj {
  if (source.type === 'text' && typeof source.data === 'string') return { ...source, data: rw.text(source.data, { ...at, path: `${at.path}.data` }) };
  if (source.type === 'content') return { ...source, content: walkAnthropicBlocks(rw, source.content, { ...at, path: `${at.path}.content` }) };
  return source;
}

function walkAnthropicBlocks(rw: FieldRewriter, content: unknown, where: Where): unknown {
  if (typeof content === 'string') return rw.text(content, where);
  if (!Array.isArray(content)) return content;
  return content.map((block: unknown, j) => walkBlock(rw, block, { ...where, path: `${where.path}[${j}]` }));
}

export function walkAnthropicMessages(rw: FieldRewriter, body: Obj): Obj {
  const out: Obj = { ...body };
  if ('system' in body) out.system = walkAnthropicBlocks(rw, body.system, { path: 'system', role: 'system' });
  if (Array.isArray(body.messages)) {
    out.messages = body.messages.map((m: unknown, i) => {
      if (!isRecord(m)) return m;
      const role = typeof m.role === 'string' ? m.role : undefined;
      return { ...m, content: walkAnthropicBlocks(rw, m.content, { path: `messages[${i}].content`, messageIndex: i, role }) };
    });
  }
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.map((tool: unknown, i) => {
      if (!isRecord(tool)) return tool;
      const t: Obj = { ...tool };
      if (typeof tool.description === 'string') t.description = rw.text(tool.description, { path: `tools[${i}].description` });
      if ('input_schema' in tool) t.input_schema = rw.json(tool.input_schema, { path: `tools[${i}].input_schema` }, 'keep-keys');
      return t;
    });
  }
  return out;
}
