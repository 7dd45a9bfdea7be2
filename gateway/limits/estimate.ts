// The token estimate a TPM limit is checked against before the upstream call (corrected by settle() afterwards).
// Like OpenAI: the prompt's tokens plus the completion tokens the request may use (max_tokens × n), when given.
import { countChatPromptTokens, countTokens } from '../../lib/tokens.ts';
import type { ChatMessage } from '../providers/types.ts';

export interface EstimatableRequest {
  messages?: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  n?: number | null;
}

export function estimateChatTokens(body: EstimatableRequest): number {
  const prompt = Array.isArray(body.messages) ? countChatPromptTokens(body.messages) : 0;
  return prompt + maxOutput(body);
}

function maxOutput(body: { max_tokens?: unknown; max_completion_tokens?: unknown; n?: unknown }): number {
  const raw = body.max_completion_tokens ?? body.max_tokens;
  const maxOut = typeof raw === 'number' && Number.isFinite(raw) ? Math.max(0, raw) : 0;
  const n = typeof body.n === 'number' && body.n >= 1 ? body.n : 1;
  return maxOut * n;
}

/** Text of a prompt/input field: string, array of strings; token-id arrays count one per id. */
function inputTokens(value: unknown): number {
  if (typeof value === 'string') return countTokens(value);
  if (typeof value === 'number') return 1;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + inputTokens(v), 0);
  return 0;
}

/**
 * Any proxy request body: OpenAI chat (`messages`), legacy completions (`prompt`), embeddings (`input`) and
 * Anthropic messages (`system` + `messages` + `max_tokens`). Unknown shapes estimate 0 (the limiter charges at least 1).
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
  prompt += inputTokens(b.prompt) + inputTokens(b.input);
  return prompt + maxOutput(b);
}
