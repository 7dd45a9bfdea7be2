// The OpenAI wire protocol, shared by every OpenAI-style upstream (OpenAI, Azure OpenAI, vLLM, Ollama, Groq, …).
// The canonical gateway format *is* OpenAI chat, so requests pass through untouched apart from what the transport
// needs (model, stream flags, usage in streams); a spec says where each operation goes and how to authenticate.
import { isRecord } from '../../../lib/is-record.ts';
import { countChatPromptTokens } from '../../../core/prompt-tokens.ts';
import { errorFieldsFrom } from '../shared/errors.ts';
import { requestJson, requestSse } from '../shared/http.ts';
import { countedUsage } from '../shared/usage.ts';
import { countInputTokens } from '../../../core/prompt-tokens.ts';
import { UpstreamError, type UpstreamCall, type ProviderAdapter } from '../types.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, Completion, CompletionRequest, EmbeddingRequest, EmbeddingResponse, Usage } from '../../../core/llm.ts';

export type OpenAIOperation = 'chat/completions' | 'completions' | 'embeddings' | 'responses';

export interface OpenAIEndpoint {
  url: string;
  headers: Record<string, string>;
}

export interface OpenAIStyleSpec {
  name: string;
  /** URL and auth headers of one operation for this deployment. */
  endpoint(op: OpenAIOperation, call: UpstreamCall): OpenAIEndpoint;
  /** Whether streams ask for `stream_options.include_usage` (default true). Without it usage is estimated. */
  streamUsage?(call: UpstreamCall): boolean;
  /** Keep Anthropic-style `cache_control` / `thinking_blocks` in messages (OpenRouter understands them; OpenAI rejects them). */
  keepCacheControl?(call: UpstreamCall): boolean;
}

type Json = Record<string, unknown>;

/** What the stream code reads of a chat or completion chunk. */
type StreamChunk = { id: string; object: string; created: number; model: string; choices: Array<{ finish_reason?: string | null }>; usage?: Usage | null };

/** Message fields other providers understand but OpenAI-style servers reject (set by the Anthropic translation). */
const FOREIGN_MESSAGE_FIELDS = ['cache_control', 'thinking_blocks'] as const;

function withoutKeys<T extends object>(obj: T, keys: readonly string[]): T {
  const copy = { ...obj } as Record<string, unknown>;
  for (const k of keys) delete copy[k];
  return copy as T;
}

/** Removes `cache_control` (messages and parts) and `thinking_blocks`, copying only what changes. */
export function stripForeignFields(messages: ChatMessage[]): ChatMessage[] {
  let changed = false;
  const out = messages.map((m) => {
    let msg = m;
    if (FOREIGN_MESSAGE_FIELDS.some((k) => k in msg)) msg = withoutKeys(msg, FOREIGN_MESSAGE_FIELDS);
    if (Array.isArray(msg.content) && msg.content.some((p) => 'cache_control' in p)) {
      msg = { ...msg, content: msg.content.map((p) => ('cache_control' in p ? withoutKeys(p, ['cache_control']) : p)) };
    }
    if (msg !== m) changed = true;
    return msg;
  });
  return changed ? out : messages;
}

/** Tool definitions may carry `cache_control` too. */
function stripToolCacheControl(tools: unknown[]): unknown[] {
  if (!tools.some((t) => typeof t === 'object' && t !== null && 'cache_control' in t)) return tools;
  return tools.map((t) => (typeof t === 'object' && t !== null && 'cache_control' in t ? withoutKeys(t, ['cache_control']) : t));
}

/** OpenAI's reasoning models refuse `max_tokens` and take the same cap as `max_completion_tokens`. */
const REASONING_MODEL = /^(o\d|gpt-5)/;

function chatBody(spec: OpenAIStyleSpec, req: ChatRequest, call: UpstreamCall, stream: boolean): Json {
  const { stream: _s, stream_options: streamOptions, ...rest } = req;
  const body: Json = { ...rest, model: call.deployment.upstreamModel || req.model };
  if (body.max_tokens != null && body.max_completion_tokens == null && REASONING_MODEL.test(String(body.model))) {
    body.max_completion_tokens = body.max_tokens;
    delete body.max_tokens;
  }
  if (!spec.keepCacheControl?.(call)) {
    body.messages = stripForeignFields(req.messages);
    if (Array.isArray(req.tools)) body.tools = stripToolCacheControl(req.tools);
  }
  if (stream) {
    body.stream = true;
    const wantUsage = spec.streamUsage?.(call) ?? true;
    if (wantUsage) body.stream_options = { ...(streamOptions ?? {}), include_usage: true };
    else if (streamOptions) body.stream_options = streamOptions;
  }
  return body;
}

function completionBody(spec: OpenAIStyleSpec, req: CompletionRequest, call: UpstreamCall, stream: boolean): Json {
  const { stream: _s, stream_options: streamOptions, ...rest } = req;
  const body: Json = { ...rest, model: call.deployment.upstreamModel || req.model };
  if (stream) {
    body.stream = true;
    if (spec.streamUsage?.(call) ?? true) body.stream_options = { ...(streamOptions ?? {}), include_usage: true };
    else if (streamOptions) body.stream_options = streamOptions;
  }
  return body;
}

/** An `{"error": …}` object sent inside a 200 stream → UpstreamError (status from the error when it has one). */
function inStreamError(payload: Json): UpstreamError {
  const fields = errorFieldsFrom(payload);
  const err = isRecord(payload.error) ? payload.error : {};
  const status = typeof err.status === 'number' ? err.status : typeof err.code === 'number' && err.code >= 400 && err.code < 600 ? err.code : 500;
  return new UpstreamError(status, fields.message ?? 'upstream reported an error mid-stream', { type: fields.type, code: fields.code, body: payload });
}

/**
 * OpenAI-style SSE → parsed JSON chunks. Throws on an in-stream error or on a stream that ends before `[DONE]` and
 * before any finish_reason (a truncated answer must not look like a complete one).
 */
async function* openAIChunks<T extends StreamChunk>(
  events: AsyncIterable<{ data: string }>,
): AsyncGenerator<T, void, undefined> {
  let done = false;
  let finished = false;
  for await (const ev of events) {
    const data = ev.data.trim();
    if (data === '') continue;
    if (data === '[DONE]') {
      done = true;
      continue; // keep reading to the end so the connection is reused
    }
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      throw new UpstreamError(502, `upstream sent an invalid stream chunk: ${data.slice(0, 200)}`, { code: 'invalid_upstream_response' });
    }
    if (!isRecord(payload)) continue;
    if (payload.error !== undefined && payload.choices === undefined) throw inStreamError(payload);
    if (!Array.isArray(payload.choices)) payload.choices = [];
    const chunk = payload as unknown as T;
    if (chunk.choices.some((c) => c.finish_reason)) finished = true;
    yield chunk;
  }
  if (!done && !finished) throw new UpstreamError(502, 'upstream stream ended before completion', { code: 'stream_truncated' });
}

/**
 * Passes the chunks on; when the upstream reported no usage (no stream_options support) a last usage-only chunk
 * counts it, so budgets and events still see tokens.
 */
async function* withCountedUsage<T extends StreamChunk>(
  chunks: AsyncIterable<T>,
  count: { object: T['object']; textOf: (chunk: T) => string; promptTokens: () => number },
): AsyncGenerator<T, void, undefined> {
  let usageSeen = false;
  let text = '';
  let last: T | undefined;
  for await (const chunk of chunks) {
    if (chunk.usage) usageSeen = true;
    else if (!usageSeen) text += count.textOf(chunk);
    last = chunk;
    yield chunk;
  }
  if (!usageSeen && last) {
    const usage = countedUsage(count.promptTokens(), text);
    yield { id: last.id, object: count.object, created: last.created, model: last.model, choices: [], usage } as StreamChunk as T;
  }
}

/** Everything a chat chunk adds to the answer, tool names included (what the upstream would have billed). */
function chatChunkText(chunk: ChatCompletionChunk): string {
  let text = '';
  for (const c of chunk.choices) {
    if (typeof c.delta?.content === 'string') text += c.delta.content;
    for (const t of c.delta?.tool_calls ?? []) text += (t.function?.name ?? '') + (t.function?.arguments ?? '');
  }
  return text;
}

const completionChunkText = (chunk: Completion): string => chunk.choices.map((c) => (typeof c.text === 'string' ? c.text : '')).join('');

/** Builds a ProviderAdapter that speaks the OpenAI API to the endpoints `spec` names. */
export function createOpenAIStyleAdapter(spec: OpenAIStyleSpec): ProviderAdapter & Required<Pick<ProviderAdapter, 'embeddings' | 'completions' | 'completionsStream'>> {
  const upstreamRequest = (op: OpenAIOperation, call: UpstreamCall, body: unknown) => {
    const { url, headers } = spec.endpoint(op, call);
    return { url, headers, body, signal: call.signal, timeoutMs: call.timeoutMs };
  };

  /** A JSON answer that must hold the array `field` (choices, data) to be usable. */
  const answer = async <T>(op: OpenAIOperation, call: UpstreamCall, body: unknown, field: 'choices' | 'data', what: string): Promise<T> => {
    const res = await requestJson<T>(upstreamRequest(op, call, body));
    if (!isRecord(res) || !Array.isArray(res[field])) throw new UpstreamError(502, `upstream returned ${what} without ${field}`, { code: 'invalid_upstream_response', body: res });
    return res;
  };

  return {
    name: spec.name,

    chat: (req, call) => answer<ChatCompletion>('chat/completions', call, chatBody(spec, req, call, false), 'choices', 'a chat completion'),

    async *chatStream(req, call): AsyncGenerator<ChatCompletionChunk, void, undefined> {
      const chunks = openAIChunks<ChatCompletionChunk>(requestSse(upstreamRequest('chat/completions', call, chatBody(spec, req, call, true))));
      yield* withCountedUsage(chunks, { object: 'chat.completion.chunk', textOf: chatChunkText, promptTokens: () => countChatPromptTokens(req.messages) });
    },

    embeddings: (req: EmbeddingRequest, call) => answer<EmbeddingResponse>('embeddings', call, { ...req, model: call.deployment.upstreamModel || req.model }, 'data', 'embeddings'),

    completions: (req, call) => answer<Completion>('completions', call, completionBody(spec, req, call, false), 'choices', 'a completion'),

    async *completionsStream(req, call): AsyncGenerator<Completion, void, undefined> {
      const chunks = openAIChunks<Completion>(requestSse(upstreamRequest('completions', call, completionBody(spec, req, call, true))));
      yield* withCountedUsage(chunks, { object: 'text_completion', textOf: completionChunkText, promptTokens: () => countInputTokens(req.prompt) });
    },
  };
}
