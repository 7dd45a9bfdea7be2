// Token usage between Anthropic's counters and OpenAI's. OpenAI's prompt_tokens includes cached tokens, Anthropic's
// input_tokens does not: prompt = input + cache reads + cache writes.
import type { Usage } from '../../core/llm.ts';
import type { AnthropicMessageDeltaUsage, AnthropicUsage } from './wire.ts';

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Anthropic usage → OpenAI usage; the Anthropic cache counters are kept as extra fields. */
export function usageFromAnthropic(u: Partial<AnthropicUsage> | AnthropicMessageDeltaUsage | undefined): Usage {
  const input = count(u?.input_tokens);
  const cacheRead = count(u?.cache_read_input_tokens);
  const cacheWrite = count(u?.cache_creation_input_tokens);
  const output = count(u?.output_tokens);
  const prompt = input + cacheRead + cacheWrite;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output, prompt_tokens_details: { cached_tokens: cacheRead } };
  if (u?.cache_read_input_tokens != null) usage.cache_read_input_tokens = cacheRead;
  if (u?.cache_creation_input_tokens != null) usage.cache_creation_input_tokens = cacheWrite;
  return usage;
}

/** OpenAI usage → Anthropic usage (input_tokens excludes cached tokens; cache counters restored when known). */
export function anthropicUsageFromOpenAI(usage: Usage | null | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cacheRead = typeof usage?.cache_read_input_tokens === 'number' ? usage.cache_read_input_tokens : (usage?.prompt_tokens_details?.cached_tokens ?? 0);
  const cacheWrite = typeof usage?.cache_creation_input_tokens === 'number' ? usage.cache_creation_input_tokens : 0;
  return {
    input_tokens: Math.max(0, prompt - cacheRead - cacheWrite),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}
