// OpenAI embeddings → Gemini `batchEmbedContents` (one request per input, in order). Google reports no token usage
// for embeddings, so the gateway counts the inputs.
import { countTokens } from '../../../lib/tokens.ts';
import { UpstreamError, type UpstreamCall } from '../types.ts';
import type { EmbeddingRequest, EmbeddingResponse } from '../../../core/llm.ts';
import { googleJson, modelId, type GoogleSpec } from './client.ts';

interface BatchEmbedResponse {
  embeddings?: Array<{ values?: number[] }>;
}

function textInputs(input: EmbeddingRequest['input']): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (!list.every((x): x is string => typeof x === 'string')) {
    throw new UpstreamError(400, 'Gemini embeddings take text input, not token arrays', { type: 'invalid_request_error', code: 'unsupported_input' });
  }
  return list;
}

const base64Floats = (v: number[]): string => Buffer.from(new Float32Array(v).buffer).toString('base64');

export async function geminiEmbeddings(spec: GoogleSpec, req: EmbeddingRequest, call: UpstreamCall): Promise<EmbeddingResponse> {
  const inputs = textInputs(req.input);
  const model = modelId(call, req.model);
  const requests = inputs.map((text) => ({
    model: `models/${model}`,
    content: { parts: [{ text }] },
    ...(typeof req.dimensions === 'number' ? { outputDimensionality: req.dimensions } : {}),
  }));
  const res = await googleJson<BatchEmbedResponse>(spec, 'batchEmbedContents', call, { requests });
  const vectors = Array.isArray(res?.embeddings) ? res.embeddings : [];
  if (vectors.length !== inputs.length) throw new UpstreamError(502, `upstream returned ${vectors.length} embeddings for ${inputs.length} inputs`, { code: 'invalid_upstream_response', body: res });
  const data = vectors.map((e, index) => {
    const values = Array.isArray(e.values) ? e.values : [];
    return { object: 'embedding' as const, index, embedding: req.encoding_format === 'base64' ? base64Floats(values) : values };
  });
  const tokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
