// Request walkers: apply scan + actions to every user-controlled text field of the request bodies the gateway
// accepts. The input body is never mutated: the result holds a new body (top level, message list, messages and
// content arrays are copied; untouched leaves such as images are shared).
import { applyActions } from './actions.ts';
import type { PiiPolicy } from './policy.ts';
import { scanText } from './scanner.ts';
import type { FindingEntity, PiiAction } from './types.ts';
import { PiiVault } from './vault.ts';

export type RequestKind = 'openai.chat' | 'openai.completions' | 'openai.embeddings' | 'anthropic.messages';

export interface FindingLocation {
  /** Where in the body, e.g. `messages[2].content`, `messages[1].tool_calls[0].function.arguments#/to`. */
  path: string;
  messageIndex?: number;
  role?: string;
  /** UTF-16 offset and length of the value within that string field (before replacement). */
  offset: number;
  length: number;
}

/** One detection as reported to events/logs: where, what, how sure, what was done — never the value. */
export interface Finding {
  entity: FindingEntity;
  action: PiiAction;
  detector: string;
  confidence: number;
  location: FindingLocation;
  /** HMAC-SHA256(secret, normalized value), hex, 32 chars. */
  fingerprint: string;
}

export interface WalkResult<T> {
  /** The body to forward (a new object; equal in content to the input when nothing was found). */
  body: T;
  findings: Finding[];
  /** True when an entity whose action is `block` was found: the caller answers 400 `pii_detected`. */
  blocked: boolean;
  /** Entity types that caused the block, sorted (safe to put in the error message). */
  blockedEntities: FindingEntity[];
  /** Placeholders issued by `restore`; pass to `createRestorer` for the response. */
  vault: PiiVault;
  /** Whether any text was changed. */
  changed: boolean;
}

export interface WalkOptions {
  /** Reuse a vault (e.g. across retries of one request) so placeholders stay the same. */
  vault?: PiiVault;
}

interface Where {
  path: string;
  messageIndex?: number;
  role?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects findings while rewriting string fields. */
export class FieldRewriter {
  readonly findings: Finding[] = [];
  readonly blocked = new Set<FindingEntity>();
  changed = false;
  /** Per-request memo of fingerprints (the same value repeated across messages is hashed once). */
  readonly #fingerprints = new Map<string, string>();

  constructor(
    readonly policy: PiiPolicy,
    readonly vault: PiiVault,
    readonly output = false,
  ) {}

  text(value: string, where: Where, fieldName?: string): string {
    const detections = scanText(value, this.policy, { fieldName });
    if (detections.length === 0) return value;
    const { text, applied } = applyActions(value, detections, this.policy, this.vault, { output: this.output, fingerprints: this.#fingerprints });
    for (const { detection: d, action, fingerprint } of applied) {
      this.findings.push({
        entity: d.entity,
        action,
        detector: d.detector,
        confidence: d.confidence,
        location: { path: where.path, messageIndex: where.messageIndex, role: where.role, offset: d.start, length: d.end - d.start },
        fingerprint,
      });
      if (action === 'block') this.blocked.add(d.entity);
    }
    if (text !== value) this.changed = true;
    return text;
  }

  /** Every string inside a parsed JSON value; object keys name the field (a cue for passwords/secrets). */
  json(value: unknown, where: Where, pointer = '', fieldName?: string): unknown {
    if (typeof value === 'string') return this.text(value, { ...where, path: where.path + pointer }, fieldName);
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      value.forEach((item, i) => {
        const next = this.json(item, where, `${pointer}/${i}`, fieldName);
        if (next !== item) (out ??= [...value])[i] = next;
      });
      return out ?? value;
    }
    if (isObj(value)) {
      let out: Obj | undefined;
      for (const [k, v] of Object.entries(value)) {
        const next = this.json(v, where, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, k);
        if (next !== v) (out ??= { ...value })[k] = next;
      }
      return out ?? value;
    }
    return value;
  }

  /** A JSON document held in a string (tool-call arguments): walk it parsed, fall back to plain text. */
  jsonText(value: string, where: Where): string {
    const trimmed = value.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) {
        const next = this.json(parsed, { ...where, path: `${where.path}#` });
        return next === parsed ? value : JSON.stringify(next);
      }
    }
    return this.text(value, where);
  }

  result<T>(body: T): WalkResult<T> {
    const blockedEntities = [...this.blocked].sort();
    return { body, findings: this.findings, blocked: blockedEntities.length > 0, blockedEntities, vault: this.vault, changed: this.changed };
  }
}

/** `string | parts[]` content: strings and every part with a string `text` (text, input_text …). */
function walkOpenAIContent(rw: FieldRewriter, content: unknown, where: Where): unknown {
  if (typeof content === 'string') return rw.text(content, where);
  if (!Array.isArray(content)) return content;
  return content.map((part: unknown, j) =>
    isObj(part) && typeof part.text === 'string' ? { ...part, text: rw.text(part.text, { ...where, path: `${where.path}[${j}].text` }) } : part,
  );
}

function walkOpenAIChat(rw: FieldRewriter, body: Obj): Obj {
  if (!Array.isArray(body.messages)) return { ...body };
  const messages = body.messages.map((m: unknown, i) => {
    if (!isObj(m)) return m;
    const role = typeof m.role === 'string' ? m.role : undefined;
    const base = `messages[${i}]`;
    const out: Obj = { ...m };
    if ('content' in m) out.content = walkOpenAIContent(rw, m.content, { path: `${base}.content`, messageIndex: i, role });
    if (Array.isArray(m.tool_calls)) {
      out.tool_calls = m.tool_calls.map((tc: unknown, k) => {
        if (!isObj(tc) || !isObj(tc.function) || typeof tc.function.arguments !== 'string') return tc;
        const where = { path: `${base}.tool_calls[${k}].function.arguments`, messageIndex: i, role };
        return { ...tc, function: { ...tc.function, arguments: rw.jsonText(tc.function.arguments, where) } };
      });
    }
    // Legacy `function_call` (deprecated, still accepted by the API).
    if (isObj(m.function_call) && typeof m.function_call.arguments === 'string') {
      const where = { path: `${base}.function_call.arguments`, messageIndex: i, role };
      out.function_call = { ...m.function_call, arguments: rw.jsonText(m.function_call.arguments, where) };
    }
    return out;
  });
  return { ...body, messages };
}

/** `string | string[]` fields (prompt, input); token arrays (number[] / number[][]) pass untouched. */
function walkStringOrList(rw: FieldRewriter, body: Obj, field: string): Obj {
  const value = body[field];
  const out: Obj = { ...body };
  if (typeof value === 'string') out[field] = rw.text(value, { path: field });
  else if (Array.isArray(value)) out[field] = value.map((v: unknown, i) => (typeof v === 'string' ? rw.text(v, { path: `${field}[${i}]` }) : v));
  return out;
}

function walkAnthropicBlocks(rw: FieldRewriter, content: unknown, where: Where): unknown {
  if (typeof content === 'string') return rw.text(content, where);
  if (!Array.isArray(content)) return content;
  return content.map((block: unknown, j) => {
    if (!isObj(block)) return block;
    const at = { ...where, path: `${where.path}[${j}]` };
    switch (block.type) {
      case 'text':
        return typeof block.text === 'string' ? { ...block, text: rw.text(block.text, { ...at, path: `${at.path}.text` }) } : block;
      case 'tool_use':
        return { ...block, input: rw.json(block.input, { ...at, path: `${at.path}.input` }) };
      case 'tool_result':
        return { ...block, content: walkAnthropicBlocks(rw, block.content, { ...at, path: `${at.path}.content` }) };
      case 'document':
        // Plain-text documents carry their text in source.data.
        if (isObj(block.source) && block.source.type === 'text' && typeof block.source.data === 'string') {
          return { ...block, source: { ...block.source, data: rw.text(block.source.data, { ...at, path: `${at.path}.source.data` }) } };
        }
        return block;
      default:
        // thinking blocks are signed by the provider: changing them would break the conversation.
        return block;
    }
  });
}

function walkAnthropicMessages(rw: FieldRewriter, body: Obj): Obj {
  const out: Obj = { ...body };
  if ('system' in body) out.system = walkAnthropicBlocks(rw, body.system, { path: 'system', role: 'system' });
  if (Array.isArray(body.messages)) {
    out.messages = body.messages.map((m: unknown, i) => {
      if (!isObj(m)) return m;
      const role = typeof m.role === 'string' ? m.role : undefined;
      return { ...m, content: walkAnthropicBlocks(rw, m.content, { path: `messages[${i}].content`, messageIndex: i, role }) };
    });
  }
  return out;
}

/** Scans and rewrites a request body of the given kind. Throws only on scanner bugs: use `guardRequest`. */
export function walkRequest<T extends object>(kind: RequestKind, body: T, policy: PiiPolicy, options: WalkOptions = {}): WalkResult<T> {
  const rw = new FieldRewriter(policy, options.vault ?? new PiiVault());
  if (!policy.enabled) return rw.result({ ...body });
  const obj = body as Obj;
  let out: Obj;
  switch (kind) {
    case 'openai.chat':
      out = walkOpenAIChat(rw, obj);
      break;
    case 'openai.completions':
      out = walkStringOrList(rw, obj, 'prompt');
      if (typeof out.suffix === 'string') out.suffix = rw.text(out.suffix, { path: 'suffix' });
      break;
    case 'openai.embeddings':
      out = walkStringOrList(rw, obj, 'input');
      break;
    case 'anthropic.messages':
      out = walkAnthropicMessages(rw, obj);
      break;
  }
  return rw.result(out as T);
}

export const walkChatCompletion = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) => walkRequest('openai.chat', body, policy, options);
export const walkCompletion = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) => walkRequest('openai.completions', body, policy, options);
export const walkEmbeddings = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) => walkRequest('openai.embeddings', body, policy, options);
export const walkAnthropicMessagesRequest = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) =>
  walkRequest('anthropic.messages', body, policy, options);

/** The request kind of an endpoint path, or undefined for endpoints without text to scan. */
export function requestKindForPath(path: string): RequestKind | undefined {
  const p = path.split('?')[0]?.replace(/\/+$/, '') ?? '';
  if (p.endsWith('/chat/completions')) return 'openai.chat';
  if (p.endsWith('/completions')) return 'openai.completions';
  if (p.endsWith('/embeddings')) return 'openai.embeddings';
  if (p.endsWith('/messages')) return 'anthropic.messages';
  return undefined;
}

export interface ResponseScanResult {
  text: string;
  findings: Finding[];
  blocked: boolean;
  blockedEntities: FindingEntity[];
}

/** Output scanning of a (non-streamed or fully assembled) response text; `restore` acts as `redact` here. */
export function scanResponseText(text: string, policy: PiiPolicy, where: Omit<Where, 'path'> & { path?: string } = {}): ResponseScanResult {
  const rw = new FieldRewriter(policy, new PiiVault(), true);
  const out = policy.enabled ? rw.text(text, { ...where, path: where.path ?? 'output' }) : text;
  const r = rw.result(out);
  return { text: r.body, findings: r.findings, blocked: r.blocked, blockedEntities: r.blockedEntities };
}
