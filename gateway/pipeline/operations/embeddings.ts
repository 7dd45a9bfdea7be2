// Embeddings (/v1/embeddings): no output text, so no output stages do anything and nothing streams.
import type { EmbeddingRequest, EmbeddingResponse } from '../../../core/llm.ts';
import { GatewayError } from '../../errors.ts';
import { modelField, type Operation } from '../operation.ts';
import { inputPrompt } from './input.ts';

export const embeddingsOperation: Operation<EmbeddingRequest, EmbeddingResponse, never> = {
  kind: 'embeddings',
  skips: new Set(['swap', 'cache']),
  piiKind: 'openai.embeddings',
  ...modelField<EmbeddingRequest>(),
  ...inputPrompt<EmbeddingRequest>((body) => body.input),
  stream: () => false,
  outputTokens: () => 0,
  withMaxTokens: (body) => body,
  call(adapter, body, call) {
    if (!adapter.embeddings) throw new GatewayError('invalid_request', `Provider ${adapter.name} does not support embeddings.`, { param: 'model' });
    return adapter.embeddings(body, call);
  },
  usage: (res) => ({ prompt_tokens: res.usage.prompt_tokens, completion_tokens: 0, total_tokens: res.usage.total_tokens }),
  finishReason: () => '',
  chunkText: () => '',
  rewriteOutput: () => undefined,
  rewriteChunk: () => undefined,
};
