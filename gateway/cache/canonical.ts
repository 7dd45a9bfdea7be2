// What makes two requests "the same" for the cache: the canonical request (every field that can change the answer,
// with keys sorted and nulls dropped), the namespace it lives in, and the parts the semantic cache compares.
import crypto from 'node:crypto';
import { messageText } from '../../core/prompt-tokens.ts';
import type { ChatMessage, ChatRequest } from '../../core/llm.ts';

/**
 * Fields that never change the answer. Everything else is part of the key — the list (model, messages,
 * tools, tool_choice, response_format, temperature, top_p, max_tokens, seed, stop, n) and any other field the
 * provider receives (penalties, logit_bias, reasoning_effort, …): an unknown field may change the answer.
 * `stream` is excluded so streaming and non-streaming clients share entries.
 */
const NOT_IN_KEY = new Set(['stream', 'stream_options', 'user', 'metadata', 'cache', 'store', 'service_tier']);

export type Canonical = Record<string, unknown>;

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) out[k] = sortDeep(v);
  }
  return out;
}

export function canonicalRequest(body: ChatRequest): Canonical {
  const picked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!NOT_IN_KEY.has(k)) picked[k] = v;
  return sortDeep(picked) as Canonical;
}

// crypto.hash (Node 20.12+) hashes a string in one call, without a Hash object per key.
const sha256 = typeof crypto.hash === 'function' ? (text: string) => crypto.hash('sha256', text, 'hex') : (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export function exactKeyHash(namespace: string, canonical: Canonical): string {
  return sha256(`${namespace}\n${JSON.stringify(canonical)}`);
}

/** The message the semantic cache embeds: the last one, when it is a text-only user message. */
export function lastUserPrompt(messages: ChatMessage[]): string | undefined {
  const last = messages.at(-1);
  if (!last || last.role !== 'user') return undefined;
  if (Array.isArray(last.content) && last.content.some((p) => p.type !== 'text')) return undefined;
  const text = messageText(last.content).trim();
  return text || undefined;
}

/**
 * Everything but the last user message — parameters, system prompt, earlier turns — hashed: a semantic hit needs
 * all of it to be identical (the issue asks for parameters + system prompt; earlier turns change answers too).
 */
export function paramsHash(canonical: Canonical): string {
  const messages = (canonical.messages as unknown[] | undefined) ?? [];
  const { model: _model, ...rest } = canonical;
  return sha256(JSON.stringify({ ...rest, messages: messages.slice(0, -1) })).slice(0, 32);
}

export interface Caller {
  keyId: string;
  teamId: string;
}

/** Isolation unit: the team, else the key; one shared namespace only when configured. */
export function namespaceFor(caller: Caller, sharedNamespace: string | undefined): string {
  if (sharedNamespace) return `shared:${sharedNamespace}`;
  if (caller.teamId) return `team:${caller.teamId}`;
  return `key:${caller.keyId || 'anonymous'}`;
}
