// POST /v1/completions — legacy text completions, for providers that still have them.
import { CompletionBody } from '../../schemas/api/openai.ts';
import { openAiErrorBody } from '../errors.ts';
import { completionsOperation } from '../pipeline/operations/completions.ts';
import type { Completion, CompletionRequest } from '../../core/llm.ts';
import { sseData } from './chat-completions.ts';
import type { Wire } from './proxy-route.ts';

export const completionsWire: Wire<CompletionRequest, CompletionRequest, Completion, Completion> = {
  operation: completionsOperation,
  schema: CompletionBody,
  toCanonical: (body) => body,
  toResponse: (completion) => completion,
  stream(body) {
    const wantsUsage = body.stream_options?.include_usage === true;
    return {
      frames: (chunk) => (chunk.usage && !wantsUsage && chunk.choices.length === 0 ? '' : sseData(chunk)),
      end: (completed) => (completed ? 'data: [DONE]\n\n' : ''),
      error: (err) => sseData(openAiErrorBody(err)),
    };
  },
};
