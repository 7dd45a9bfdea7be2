// The provider contract: each adapter translates the neutral call shapes (core/llm.ts) to and from its own API.
// Adding a provider is adding a folder under providers/ (Anthropic's lives in gateway/anthropic/) + a registry line.
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Completion, CompletionRequest, EmbeddingRequest, EmbeddingResponse } from '../../core/llm.ts';
import type { Deployment } from '../../core/deployments.ts';

export interface UpstreamCall {
  deployment: Deployment;
  signal: AbortSignal;
  requestId: string;
  timeoutMs: number;
}

/** Raised by adapters for a failed upstream call; the router decides whether to retry. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly status: number,
    message: string,
    readonly options: { retryAfterMs?: number; type?: string; code?: string; body?: unknown } = {},
  ) {
    super(message);
  }
}

export interface ProviderAdapter {
  readonly name: string;
  chat(req: ChatRequest, call: UpstreamCall): Promise<ChatCompletion>;
  /** Yields OpenAI-style chunks; the last chunk carries usage. */
  chatStream(req: ChatRequest, call: UpstreamCall): AsyncIterable<ChatCompletionChunk>;
  embeddings?(req: EmbeddingRequest, call: UpstreamCall): Promise<EmbeddingResponse>;
  /** Legacy `/v1/completions`; only OpenAI-style upstreams implement it. */
  completions?(req: CompletionRequest, call: UpstreamCall): Promise<Completion>;
  /** Streaming legacy completions; the last chunk carries usage. */
  completionsStream?(req: CompletionRequest, call: UpstreamCall): AsyncIterable<Completion>;
}
