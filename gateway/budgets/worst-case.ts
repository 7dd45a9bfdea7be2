// What a request may cost at most, before it is sent: its prompt tokens (counted with the tokenizer) plus the output
// it may produce (max_completion_tokens / max_tokens × n, or the configured default) on the most expensive
// deployment the router may pick for its model.
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import type { Cost, PriceBook } from '../../core/prices.ts';
import type { ChatMessage } from '../../core/llm.ts';

/** The request-body fields an estimate reads. */
export interface EstimatedBody {
  messages?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  n?: unknown;
}

export interface WorstCaseRequest {
  model: string;
  body: EstimatedBody;
  /** Prompt tokens, or how to count them (saves a second tokenizer pass); counted from body.messages otherwise. */
  promptTokens?: number | (() => number) | undefined;
  /** Output tokens the call may produce when the caller knows better than the body (embeddings: 0). */
  outputTokens?: number | undefined;
}

const choices = (body: EstimatedBody) => (typeof body.n === 'number' && body.n >= 1 ? body.n : 1);

/** Output tokens a request may produce: max_completion_tokens / max_tokens × n; undefined when not set. */
export function requestedOutputTokens(body: EstimatedBody): number | undefined {
  const raw = body.max_completion_tokens ?? body.max_tokens;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) return undefined;
  return Math.ceil(raw) * choices(body);
}

/** The highest cost of the request and the output tokens it assumed (`defaultMaxTokens` × n when the body sets none). */
export function worstCaseOf(req: WorstCaseRequest, prices: PriceBook, defaultMaxTokens: number): { cost: Cost; maxOutputTokens: number } {
  const counted = typeof req.promptTokens === 'function' ? req.promptTokens() : req.promptTokens;
  const promptTokens = counted ?? (Array.isArray(req.body.messages) ? countChatPromptTokens(req.body.messages as ChatMessage[]) : 0);
  const maxOutputTokens = req.outputTokens ?? requestedOutputTokens(req.body) ?? defaultMaxTokens * choices(req.body);
  return { cost: prices.worstCase(req.model, promptTokens, maxOutputTokens), maxOutputTokens };
}
