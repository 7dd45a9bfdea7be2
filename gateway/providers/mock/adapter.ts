// The built-in mock provider. `mock/echo` answers with the last user message exactly as the provider received it
// (tests use it to see what left the gateway); `mock/fixed` answers a fixed text. Latency and failures are
// configurable per deployment so routing, retries and streaming can be exercised without a real LLM.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { countTokens } from '../../../lib/tokens.ts';
import { countChatPromptTokens, messageText } from '../../../core/prompt-tokens.ts';
import { countedUsage } from '../shared/usage.ts';
import { countInputTokens } from '../../../core/prompt-tokens.ts';
import { UpstreamError, type UpstreamCall, type ProviderAdapter } from '../types.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Completion, CompletionRequest, EmbeddingRequest, EmbeddingResponse } from '../../../core/llm.ts';

export const FIXED_REPLY = 'Hello from the Helix mock provider.';

function replyText(req: ChatRequest, call: UpstreamCall): string {
  const params = call.deployment.params;
  if (params.mock_response !== undefined) return params.mock_response;
  if (call.deployment.upstreamModel === 'fixed') return FIXED_REPLY;
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  return lastUser ? messageText(lastUser.content) : '';
}

async function simulate(call: UpstreamCall): Promise<void> {
  const { mock_latency_ms: latency, mock_fail_status: failStatus, mock_fail_rate: failRate } = call.deployment.params;
  if (latency) {
    if (latency > call.timeoutMs) {
      await sleep(call.timeoutMs, undefined, { signal: call.signal });
      throw new UpstreamError(504, `mock upstream: no answer within ${call.timeoutMs} ms`);
    }
    await sleep(latency, undefined, { signal: call.signal });
  }
  if (failStatus && Math.random() < (failRate ?? 1)) {
    if (failStatus === 408 || failStatus === 504) throw new UpstreamError(failStatus, 'mock upstream timed out');
    throw new UpstreamError(failStatus, `mock upstream failure ${failStatus}`, {
      retryAfterMs: failStatus === 429 ? 1 : undefined,
    });
  }
}

const promptText = (req: CompletionRequest) => (Array.isArray(req.prompt) ? req.prompt.filter((p) => typeof p === 'string').join('\n') : String(req.prompt));

function completionText(req: CompletionRequest, call: UpstreamCall): string {
  if (call.deployment.params.mock_response !== undefined) return call.deployment.params.mock_response;
  return call.deployment.upstreamModel === 'fixed' ? FIXED_REPLY : promptText(req);
}

/** What identifies one answer (shared by all chunks of a stream). */
function answerHead<O extends string>(idPrefix: string, object: O, model: string): { id: string; object: O; created: number; model: string } {
  return { id: `${idPrefix}-${randomUUID()}`, object, created: Math.floor(Date.now() / 1000), model };
}

/** Splits a reply into small stream deltas, the way real providers emit a few characters at a time. */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

export const mockProvider: ProviderAdapter = {
  name: 'mock',

  async chat(req, call): Promise<ChatCompletion> {
    await simulate(call);
    const text = replyText(req, call);
    return {
      ...answerHead('chatcmpl', 'chat.completion', req.model),
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
      usage: countedUsage(countChatPromptTokens(req.messages), text),
      system_fingerprint: 'helix-mock',
    };
  },

  async *chatStream(req, call): AsyncIterable<ChatCompletionChunk> {
    await simulate(call);
    const text = replyText(req, call);
    const base = answerHead('chatcmpl', 'chat.completion.chunk', req.model);
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    for (const piece of streamPieces(text)) {
      if (call.signal.aborted) return;
      yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    yield { ...base, choices: [], usage: countedUsage(countChatPromptTokens(req.messages), text) };
  },

  async completions(req: CompletionRequest, call): Promise<Completion> {
    await simulate(call);
    const text = completionText(req, call);
    return {
      ...answerHead('cmpl', 'text_completion', req.model),
      choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
      usage: countedUsage(countTokens(promptText(req)), text),
    };
  },

  async *completionsStream(req: CompletionRequest, call): AsyncIterable<Completion> {
    await simulate(call);
    const text = completionText(req, call);
    const base = answerHead('cmpl', 'text_completion', req.model);
    const pieces = streamPieces(text);
    for (const [i, piece] of pieces.entries()) {
      if (call.signal.aborted) return;
      yield { ...base, choices: [{ index: 0, text: piece, finish_reason: i === pieces.length - 1 ? 'stop' : null, logprobs: null }] };
    }
    yield { ...base, choices: [], usage: countedUsage(countTokens(promptText(req)), text) };
  },

  async embeddings(req: EmbeddingRequest, call): Promise<EmbeddingResponse> {
    await simulate(call);
    const inputs = Array.isArray(req.input) ? req.input : [req.input];
    const dims = req.dimensions ?? 8;
    const tokens = countInputTokens(req.input);
    const data = inputs.map((input, index) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      // Deterministic pseudo-embedding so tests can compare.
      const vector = Array.from({ length: dims }, (_, i) => Math.sin(hash(text) + i));
      // Like OpenAI: base64 little-endian float32 when asked (the official SDK asks by default).
      const embedding = req.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding' as const, index, embedding };
    });
    return { object: 'list', data, model: req.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  },
};

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}
