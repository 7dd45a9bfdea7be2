// Usage counted by the gateway, for upstreams that report none (the mock, OpenAI-style servers without stream usage).
import { countTokens } from '../../../lib/tokens.ts';
import type { Usage } from '../../../core/llm.ts';

export function countedUsage(promptTokens: number, completionText: string): Usage {
  const completion = countTokens(completionText);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}
