// The token estimate a TPM limit is checked against before the upstream call (corrected by settle() afterwards).
// Like OpenAI: the prompt's tokens plus the completion tokens the request may use (max_tokens × n), when given.
import { countTokens } from '../../lib/tokens.ts';
import { countChatPromptTokens, countInputTokens } from '../../core/prompt-tokens.ts';
import { requestedOutputTokens } from '../budgets/worst-case.ts';
import type { ChatMessage } from '../../core/llm.ts';

export interface EstimatableRequest {
  messages?: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  n?: number | null;
}

export function estimateChatTokens(body: EstimatableRequest): number {
  const prompt = Array.isArray(body.messages) ? countChatPromptTokens(body.messages) : 0;
  return prompt + (requestedOutputTokens(body) ?? 0);
}

/**
 * Any proxy request body: OpenAI chat (`messages`), legacy completions (`prompt`), embeddings (`input`), Responses
 * (`instructions` + `input` items + `max_output_tokens`) and Anthropic messages (`system` + `messages` +
 * `max_tokens`). Unknown shapes estimate 0 (the limiter charges at least 1).
 */
export function estimateRequestTokens(body: unknown): number {
  if (!body || typeof body !== 'object') return 0;
  const b = body as Record<string, unknown>;
  let prompt = 0;
  if (Array.isArray(b.messages)) {
    try {
      prompt += countChatPromptTokens(b.messages as ChatMessage[]); // Anthropic content blocks count by their text
    } catch {
      prompt += Math.ceil(JSON.stringify(b.messages).length / 4);
    }
  }
  if (b.system !== undefined) prompt += typeof b.system === 'string' ? countTokens(b.system) : Math.ceil(JSON.stringify(b.system).length / 4);
  if (typeof b.instructions === 'string') prompt += countTokens(b.instructions);
  prompt += countInputTokens(b.prompt) + countInputTokens(b.input) + itemTokens(b.input);
  const output = requestedOutputTokens(b) ?? (typeof b.max_output_tokens === 'number' && b.max_output_tokens > 0 ? Math.ceil(b.max_output_tokens) : 0);
  return prompt + output;
}

/** Responses API input items (messages, function calls and their outputs): roughly by their JSON size. */
function itemTokens(input: unknown): number {
  if (!Array.isArray(input)) return 0;
  let chars = 0;
  for (const item of input) if (item && typeof item === 'object') chars += JSON.stringify(item).length;
  return Math.ceil(chars / 4);
}
