// POST /v1/embeddings
import { EmbeddingBody } from '../../schemas/api/openai.ts';
import { embeddingsOperation } from '../pipeline/operations/embeddings.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../../core/llm.ts';
import type { Wire } from './proxy-route.ts';

export const embeddingsWire: Wire<EmbeddingRequest, EmbeddingRequest, EmbeddingResponse, never> = {
  operation: embeddingsOperation,
  schema: EmbeddingBody,
  toCanonical: (body) => body,
  toResponse: (result) => result,
};
