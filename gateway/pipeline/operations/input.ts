// The `prompt` / `input` field of completions and embeddings: a string, strings, or token ids.
import { countInputTokens } from '../../../core/prompt-tokens.ts';
import type { Operation } from '../operation.ts';

type Input = string | string[] | number[] | number[][];

export function inputTexts(input: Input): string[] {
  return (Array.isArray(input) ? input : [input]).filter((p): p is string => typeof p === 'string');
}

/** The prompt of an operation whose prompt is one such input (completions' `prompt`, embeddings' `input`). */
export function inputPrompt<Req>(inputOf: (body: Req) => Input): Pick<Operation<Req, unknown, unknown>, 'promptMessages' | 'promptTokens'> {
  return {
    promptMessages: (body) => inputTexts(inputOf(body)).map((content) => ({ role: 'user', content })),
    promptTokens: (body) => countInputTokens(inputOf(body)),
  };
}
