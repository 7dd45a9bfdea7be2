// OpenAI's wire formats (chat, legacy completions, embeddings): the canonical shapes go in and out unchanged, and
// streams are `data:` frames ending in `[DONE]`.
import type { FastifySchema } from 'fastify';
import { openAiErrorBody } from '../errors.ts';
import type { Operation } from '../pipeline/operation.ts';
import type { Wire } from './proxy-route.ts';

type OpenAIBody = { stream_options?: { include_usage?: boolean } | null };
type OpenAIChunk = { choices: unknown[]; usage?: unknown };

export const sseData = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

export function openAIWire<Req extends OpenAIBody, Res, Chunk extends OpenAIChunk>(operation: Operation<Req, Res, Chunk>, schema: FastifySchema['body']): Wire<Req, Req, Res, Chunk> {
  return {
    operation,
    schema,
    toCanonical: (body) => body,
    toResponse: (value) => value,
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
}
