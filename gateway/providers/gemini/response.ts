// Gemini GenerateContentResponse → canonical OpenAI chat: the whole answer (candidates → choices) and the SSE stream
// (each event is a partial response → chunks, then one usage-only chunk). Thought parts become reasoning_content,
// never visible content; function calls become tool_calls.
import { randomBytes } from 'node:crypto';
import { UpstreamError } from '../types.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChunkChoice, ToolCall, Usage } from '../../../core/llm.ts';
import { blockedPromptError, inStreamError } from './errors.ts';
import { toolCallIdFor } from './tool-ids.ts';
import { finishReasonFrom, type GeminiPart, type GeminiResponse, type GeminiUsageMetadata } from './wire.ts';

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * usageMetadata → OpenAI usage. Google's promptTokenCount already includes cached tokens (as OpenAI's does);
 * thinking tokens are billed as output, so completion_tokens counts them and reasoning_tokens says how many.
 */
export function usageFromGemini(u: GeminiUsageMetadata | undefined): Usage {
  const prompt = count(u?.promptTokenCount) + count(u?.toolUsePromptTokenCount);
  const thoughts = count(u?.thoughtsTokenCount);
  const completion = count(u?.candidatesTokenCount) + thoughts;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: count(u?.totalTokenCount) || prompt + completion,
    prompt_tokens_details: { cached_tokens: count(u?.cachedContentTokenCount) },
  };
  usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

const newCompletionId = (res: GeminiResponse): string => `chatcmpl-${res.responseId ?? randomBytes(12).toString('hex')}`;

function toolCallOf(part: GeminiPart): ToolCall | undefined {
  const call = part.functionCall;
  if (!call || typeof call.name !== 'string') return undefined;
  return { id: toolCallIdFor(call.id, part.thoughtSignature), type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } };
}

/** The non-streamed answer; a blocked prompt is a content-policy error, not an empty answer. */
export function geminiResponseToOpenAI(res: GeminiResponse, model: string): ChatCompletion {
  const blocked = blockedPromptError(res);
  if (blocked) throw blocked;
  const choices = (res.candidates ?? []).map((cand, i) => {
    let text = '';
    let reasoning = '';
    const toolCalls: ToolCall[] = [];
    for (const part of cand.content?.parts ?? []) {
      const call = toolCallOf(part);
      if (call) toolCalls.push(call);
      else if (typeof part.text === 'string') {
        if (part.thought === true) reasoning += part.text;
        else text += part.text;
      }
    }
    const message: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length ? null : text };
    if (toolCalls.length) message.tool_calls = toolCalls;
    if (reasoning) message.reasoning_content = reasoning;
    const finish = finishReasonFrom(cand.finishReason, toolCalls.length > 0) ?? (toolCalls.length ? 'tool_calls' : 'stop');
    return { index: typeof cand.index === 'number' ? cand.index : i, message, finish_reason: finish, logprobs: null };
  });
  if (choices.length === 0) throw new UpstreamError(502, 'upstream returned no candidates', { code: 'invalid_upstream_response', body: res });
  return {
    id: newCompletionId(res),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: res.modelVersion ?? model,
    choices,
    usage: usageFromGemini(res.usageMetadata),
  };
}

type Delta = ChunkChoice['delta'];

/**
 * Streamed partial responses → OpenAI chunks. Text and thoughts arrive as fragments, function calls whole (one
 * tool_calls delta each); the usage of the last event that carried usageMetadata goes out in a final usage-only chunk.
 */
export class GeminiStreamToOpenAI {
  private id = '';
  private readonly created = Math.floor(Date.now() / 1000);
  private usage: GeminiUsageMetadata | undefined;
  private readonly started = new Set<number>();
  private readonly toolCounts = new Map<number, number>();
  private finished = false;

  constructor(private model: string) {}

  /** True once a candidate reported its finishReason (the answer is complete). */
  get done(): boolean {
    return this.finished;
  }

  private chunk(index: number, delta: Delta, finish: string | null = null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index, delta, finish_reason: finish }] };
  }

  push(payload: unknown): ChatCompletionChunk[] {
    const error = inStreamError(payload);
    if (error) throw error;
    const res = payload as GeminiResponse;
    const blocked = blockedPromptError(res);
    if (blocked) throw blocked;
    if (!this.id) this.id = newCompletionId(res);
    if (res.modelVersion) this.model = res.modelVersion;
    if (res.usageMetadata) this.usage = res.usageMetadata;
    const out: ChatCompletionChunk[] = [];
    (res.candidates ?? []).forEach((cand, i) => {
      const index = typeof cand.index === 'number' ? cand.index : i;
      if (!this.started.has(index)) {
        this.started.add(index);
        out.push(this.chunk(index, { role: 'assistant', content: '' }));
      }
      for (const part of cand.content?.parts ?? []) {
        const call = toolCallOf(part);
        if (call) {
          const toolIndex = this.toolCounts.get(index) ?? 0;
          this.toolCounts.set(index, toolIndex + 1);
          out.push(this.chunk(index, { tool_calls: [{ index: toolIndex, ...call }] }));
        } else if (typeof part.text === 'string' && part.text) {
          out.push(this.chunk(index, part.thought === true ? { reasoning_content: part.text } : { content: part.text }));
        }
      }
      const finish = finishReasonFrom(cand.finishReason, (this.toolCounts.get(index) ?? 0) > 0);
      if (finish) {
        this.finished = true;
        out.push(this.chunk(index, {}, finish));
      }
    });
    return out;
  }

  /** The closing usage-only chunk. */
  usageChunk(): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: usageFromGemini(this.usage) };
  }
}
