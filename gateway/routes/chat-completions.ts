// POST /v1/chat/completions — OpenAI's chat wire format.
import { ChatCompletionBody } from '../../schemas/api/openai.ts';
import { openAiErrorBody } from '../errors.ts';
import { chatOperation } from '../pipeline/operations/chat.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../core/llm.ts';
import type { Wire } from './proxy-route.ts';

export const chatCompletionsWire: Wire<ChatRequest, ChatRequest, ChatCompletion, ChatCompletionChunk> = {
  operation: chatOperation,
  schema: ChatCompletionBody,
  toCanonical: (body) => body,
  toResponse: (completion) => completion,
  stream(body) {
    const wantsUsage = body.stream_options?.include_usage === true;
    return {
      frames(chunk) {
        if (!chunk.usage || wantsUsage) return sseData(chunk);
        // Usage the client did not ask for (the gateway always asks upstream for it).
        return chunk.choices.length === 0 ? '' : sseData({ ...chunk, usage: undefined });
      },
      end: (completed) => (completed ? 'data: [DONE]\n\n' : ''),
      error: (err) => sseData(openAiErrorBody(err)),
    };
  },
};

export const sseData = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
