// The `prompt` / `input` field of completions and embeddings: a string, strings, or token ids.
import { countTokens } from '../../../lib/tokens.ts';

type Input = string | string[] | number[] | number[][];

export function inputTexts(input: Input): string[] {
  return (Array.isArray(input) ? input : [input]).filter((p): p is string => typeof p === 'string');
}

/** Strings are tokenized; token-id arrays count one per id. */
export function inputTokens(input: unknown): number {
  if (typeof input === 'string') return countTokens(input);
  if (typeof input === 'number') return 1;
  if (Array.isArray(input)) {
    let n = 0;
    for (const v of input) n += inputTokens(v);
    return n;
  }
  return 0;
}
