// The OpenAI wire protocol, shared by every OpenAI-style upstream (OpenAI, Azure OpenAI, vLLM, Ollama, Groq, …).
// The canonical gateway format *is* OpenAI chat, so requests pass through untouched apart from what the transport
// needs (model, stream flags, usage in streams); a spec says where each operation goes and how to authenticate.
import { countTokens } from '../../../lib/tokens.ts';
import { countChatPromptTokens } from '../../../core/prompt-tokens.ts';
import { errorFieldsFrom } from '../shared/errors.ts';
import { requestJson, requestSse } from '../shared/http.ts';
import { UpstreamError, type UpstreamCall, type ProviderAdapter } from '../types.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, Completion, CompletionRequest, EmbeddingRequest, EmbeddingResponse, Usage } from '../../../core/llm.ts';

export type OpenAIOperation = 'chat/completions' | 'completions' | 'embeddings';

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

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

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
async function* openAIChunks<T extends { choices?: Array<{ finish_reason?: string | null }> }>(
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
    const chunk = payload as T;
    if (chunk.choices?.some((c) => c.finish_reason)) finished = true;
    yield chunk;
  }
  if (!done && !finished) throw new UpstreamError(502, 'upstream stream ended before completion', { code: 'stream_truncated' });
}

function estimatedUsage(promptTokens: number, completionText: string): Usage {
  const completion = countTokens(completionText);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}

function estimatePromptTokens(prompt: CompletionRequest['prompt']): number {
  if (typeof prompt === 'string') return countTokens(prompt);
  let n = 0;
  for (const p of prompt) n += typeof p === 'string' ? countTokens(p) : Array.isArray(p) ? p.length : 1;
  return n;
}

/** Builds a ProviderAdapter that speaks the OpenAI API to the endpoints `spec` names. */
export function createOpenAIStyleAdapter(spec: OpenAIStyleSpec): ProviderAdapter & Required<Pick<ProviderAdapter, 'embeddings' | 'completions' | 'completionsStream'>> {
  const upstreamRequest = (op: OpenAIOperation, call: UpstreamCall, body: unknown) => {
    const { url, headers } = spec.endpoint(op, call);
    return { url, headers, body, signal: call.signal, timeoutMs: call.timeoutMs };
  };

  return {
    name: spec.name,

    async chat(req, call): Promise<ChatCompletion> {
      const res = await requestJson<ChatCompletion>(upstreamRequest('chat/completions', call, chatBody(spec, req, call, false)));
      if (!isRecord(res) || !Array.isArray(res.choices)) throw new UpstreamError(502, 'upstream returned a chat completion without choices', { code: 'invalid_upstream_response', body: res });
      return res;
    },

    async *chatStream(req, call): AsyncGenerator<ChatCompletionChunk, void, undefined> {
      let usageSeen = false;
      let text = '';
      let last: ChatCompletionChunk | undefined;
      for await (const chunk of openAIChunks<ChatCompletionChunk>(requestSse(upstreamRequest('chat/completions', call, chatBody(spec, req, call, true))))) {
        if (!Array.isArray(chunk.choices)) chunk.choices = [];
        if (chunk.usage) usageSeen = true;
        else if (!usageSeen) {
          for (const c of chunk.choices) {
            if (typeof c.delta?.content === 'string') text += c.delta.content;
            for (const t of c.delta?.tool_calls ?? []) text += (t.function?.name ?? '') + (t.function?.arguments ?? '');
          }
        }
        last = chunk;
        yield chunk;
      }
      if (!usageSeen && last) {
        // Upstream did not report usage (no stream_options support): count it so budgets and events still see tokens.
        const usage = estimatedUsage(countChatPromptTokens(req.messages), text);
        yield { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage };
      }
    },

    async embeddings(req: EmbeddingRequest, call): Promise<EmbeddingResponse> {
      const res = await requestJson<EmbeddingResponse>(upstreamRequest('embeddings', call, { ...req, model: call.deployment.upstreamModel || req.model }));
      if (!isRecord(res) || !Array.isArray(res.data)) throw new UpstreamError(502, 'upstream returned embeddings without data', { code: 'invalid_upstream_response', body: res });
      return res;
    },

    async completions(req, call): Promise<Completion> {
      const res = await requestJson<Completion>(upstreamRequest('completions', call, completionBody(spec, req, call, false)));
      if (!isRecord(res) || !Array.isArray(res.choices)) throw new UpstreamError(502, 'upstream returned a completion without choices', { code: 'invalid_upstream_response', body: res });
      return res;
    },

    async *completionsStream(req, call): AsyncGenerator<Completion, void, undefined> {
      let usageSeen = false;
      let text = '';
      let last: Completion | undefined;
      for await (const chunk of openAIChunks<Completion>(requestSse(upstreamRequest('completions', call, completionBody(spec, req, call, true))))) {
        if (!Array.isArray(chunk.choices)) chunk.choices = [];
        if (chunk.usage) usageSeen = true;
        else if (!usageSeen) for (const c of chunk.choices) text += typeof c.text === 'string' ? c.text : '';
        last = chunk;
        yield chunk;
      }
      if (!usageSeen && last) {
        yield { id: last.id, object: 'text_completion', created: last.created, model: last.model, choices: [], usage: estimatedUsage(estimatePromptTokens(req.prompt), text) };
      }
    },
  };
}
